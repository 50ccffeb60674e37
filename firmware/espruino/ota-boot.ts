/**
 * How an over-the-air image becomes the running app on Espruino: the
 * Storage names of the update, and the two small scripts
 * `chipweb build --target espruino` writes next to the boot code.
 *
 *   .boot0           Espruino runs it at every start (power on, reset,
 *                    load()) before .bootcde. When a commit record waits, or
 *                    Storage holds much trash, it runs the installer, copied
 *                    into RAM first: while the installer copies and compacts,
 *                    no code is read from Storage (compacting moves files)
 *   chipweb.otainst  the installer: when `.cwota.commit` is whole (JSON with
 *                    ok: 1) and every staged file it lists is there at its
 *                    size, copies each staged file over its live name; then
 *                    erases the commit record, the staged files, and compacts
 *
 * Power loss: before the commit record is written whole the live files are
 * untouched and the old app boots (the installer erases what was staged).
 * After it, every start copies again until the record is erased, which
 * happens only after the last copy: the new app boots. A copy is written
 * from offset 0 again each time, so a half-written live file is replaced.
 *
 * Never: leave a global behind (.boot0 and the installer run before the app
 * and must cost it no variables); read code from Storage while compacting;
 * erase the commit record before every file is copied.
 */

/** The commit record: `{"files": [[staged, live, bytes], …], "ok": 1}`. */
export const COMMIT_FILE = '.cwota.commit';
/** The installer's Storage file. */
export const INSTALLER_FILE = 'chipweb.otainst';
/** The Storage file Espruino runs before the boot code. */
export const BOOT0_FILE = '.boot0';
/** The OTA module's Storage file (ota-module.ts, lowered), required while an upload runs. */
export const OTA_MODULE_FILE = 'chipweb.ota';
/** Trash in Storage (bytes) above which a start compacts it. */
export const COMPACT_TRASH = 32768;

/** The Storage name of file `index` of the image being received. */
export function stagedName(index: number): string {
  return `.cwota.${index}`;
}

/**
 * `.boot0`: one expression with nothing after the eval, so Espruino has
 * read all of this file before the installer runs (and maybe compacts).
 */
export const BOOT0_SOURCE =
  `(require("Storage").read(${JSON.stringify(COMMIT_FILE)})||require("Storage").getStats().trashBytes>${COMPACT_TRASH})` +
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
