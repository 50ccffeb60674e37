/**
 * The conformance app as an app module `chipweb build` takes (its default
 * export is the App), for the shared cases over real sockets in mcsim.
 *
 * Never: add routes here: the cases expect test/conformance/app.ts exactly.
 */
import { conformanceApp } from '../conformance/app.ts';

export default conformanceApp();
