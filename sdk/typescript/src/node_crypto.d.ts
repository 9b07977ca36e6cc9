// The one Node.js API the SDK itself uses (hand-written): canonical.ts hashes with node:crypto.
// Declared here, like test/node.d.ts for the runtime checks, so the SDK needs no @types/node; the
// package targets Node.js (engines: node >= 20), where node:crypto is built in. Referenced from
// canonical.ts (`/// <reference path>`), so the build, which starts at src/index.ts, sees it; no
// exported type mentions it, so the published .d.ts files do not need it.

declare module "node:crypto" {
  interface Hash {
    update(data: string, inputEncoding: "utf8"): Hash;
    digest(encoding: "hex"): string;
  }
  export function createHash(algorithm: "sha256"): Hash;
}
