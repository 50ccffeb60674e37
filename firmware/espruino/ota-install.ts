/**
 * The text of `.boot0` and of the OTA installer (`chipweb.otainst`), which
 * `chipweb build --target espruino` writes as Storage files; ota-boot.ts
 * says what they do and why a power loss leaves a bootable board. Kept
 * apart from the boot code's imports: only the build (and tests) read it.
 *
 * Never: be imported by code that runs on the board (the strings would
 * cost variables); use syntax Espruino does not parse (this text is not
 * lowered); leave a global behind.
 */
import { COMMIT_FILE, INSTALLER_FILE } from './ota-boot.ts';

/** Trash in Storage (bytes) above which a start compacts it. */
export const COMPACT_TRASH = 32768;
/**
 * Free bytes at Storage's end below which a start compacts it when there is
 * any trash: the settings file refuses a write that would make Espruino
 * compact while the app runs (platform.ts), and asks for a restart.
 */
export const COMPACT_FREE = 16384;

/**
 * `.boot0`: one expression with nothing after the eval, so Espruino has
 * read all of this file before the installer runs (and maybe compacts).
 */
export const BOOT0_SOURCE =
  `(require("Storage").list(/^\\.cwota\\./).length||(function(t){return t.trashBytes>${COMPACT_TRASH}||` +
  `(t.trashBytes>0&&t.freeBytes<${COMPACT_FREE})})(require("Storage").getStats()))` +
  `&&eval(E.toFlatString(require("Storage").read(${JSON.stringify(INSTALLER_FILE)})||""))`;

/** The installer (ES5, run from RAM by .boot0). */
export const INSTALLER_SOURCE = `(function(S){
var c=S.readJSON(${JSON.stringify(COMMIT_FILE)},1),f=c&&c.ok===1&&c.files,i,o,n,t;
if(f)for(i=0;i<f.length;i++){t=S.read(f[i][0]);if(t===undefined||t.length!==f[i][2]){f=0;break;}}
if(f){print("chipweb: installing the update ("+f.length+" files)");
for(i=0;i<f.length;i++){if(S.read(f[i][1])===S.read(f[i][0]))continue;
for(o=0;o<f[i][2];o+=2048){n=Math.min(2048,f[i][2]-o);S.write(f[i][1],E.toFlatString(S.read(f[i][0],o,n)),o,f[i][2]);}}}
S.erase(${JSON.stringify(COMMIT_FILE)});
S.list(/^\\.cwota\\./).forEach(function(x){S.erase(x);});
if(S.getStats().trashBytes>0)S.compact();
})(require("Storage"));`;
