// The few Node.js APIs the runtime checks use (hand-written): declared here so the SDK needs no
// @types/node (its dependencies are the pinned typescript, ajv and ajv-formats).

declare module "node:fs" {
  export function readFileSync(path: string, encoding: "utf8"): string;
  export function readdirSync(path: string): string[];
  export function statSync(path: string): { isDirectory(): boolean };
}

declare const process: {
  readonly argv: readonly string[];
  exitCode: number | undefined;
  readonly stdout: { write(text: string): boolean };
  readonly stderr: { write(text: string): boolean };
};
