/**
 * The part of unzipper's API that zip-entries.ts uses. unzipper (a dependency of exceljs) has no
 * type declarations of its own.
 */
declare module 'unzipper' {
  import type { Duplex, PassThrough } from 'node:stream';

  export interface ZipEntryVars {
    flags: number;
    compressionMethod: number;
    compressedSize: number;
    uncompressedSize: number;
  }

  /** One file of the archive: a stream of its inflated bytes. */
  export interface Entry extends PassThrough {
    path: string;
    type: 'File' | 'Directory';
    vars: ZipEntryVars;
    autodrain(): unknown;
  }

  /** A streaming parser of local file headers: write the zip bytes, read Entry objects. */
  export function Parse(options?: { forceStream?: boolean; verbose?: boolean }): Duplex;

  const unzipper: { Parse: typeof Parse };
  export default unzipper;
}
