/**
 * How an over-the-air image becomes the running app on Espruino: the
 * Storage names of the update, and what the two small scripts
 * `chipweb build --target espruino` writes next to the boot code do (their
 * text is in ota-install.ts, which only the build imports: as strings in
 * the boot code they would take its variables).
 *
 *   .boot0           Espruino runs it at every start (power on, reset,
 *                    load()) before .bootcde. When a commit record or staged
 *                    files wait (an upload the power cut), or Storage holds
 *                    much trash (failed uploads), it runs the installer, copied
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

/** The Storage name of file `index` of the image being received. */
export function stagedName(index: number): string {
  return `.cwota.${index}`;
}
