/**
 * Close codes: which may travel in a Close frame (RFC 6455 §7.4 and the
 * IANA registry), checked over the whole 16-bit range against the `ws`
 * package's own rule.
 */
import { expect } from 'chai';
import { isValidCloseCode } from '../../src/ws/codes.ts';

/** The `ws` package's rule (lib/validation.js isValidStatusCode), restated. */
function wsRule(code: number): boolean {
  return (
    (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999)
  );
}

describe('ws: close codes', () => {
  it('accepts 1000-1003, 1007-1014 and 3000-4999, nothing else', () => {
    for (let code = 0; code < 65536; code++) expect(isValidCloseCode(code), String(code)).to.equal(wsRule(code));
    expect(isValidCloseCode(1000.5)).to.equal(false);
    expect(isValidCloseCode(Number.NaN)).to.equal(false);
  });
});
