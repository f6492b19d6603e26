/**
 * The NODE_EXTRA_CA_CERTS file that Node was started without (bin/parsl-cwl moves the variable
 * aside for start-up time; src/cli/launch.cts hands the file to the run), so that remote documents
 * fetched over https still trust it (remoteText.ts). A module of its own, with no imports, because
 * the run command sets it before it loads the loader.
 */
let deferredFile: string | undefined;

export function trustDeferredExtraCaCerts(file: string): void {
  deferredFile = file === '' ? undefined : file;
}

export function deferredExtraCaCerts(): string | undefined {
  return deferredFile;
}
