/** Whether a path is one of the single binary's embedded files (Bun's `/$bunfs/`; `B:\~BUN\` on Windows). */
export const isEmbeddedPath = (path: string): boolean => path.startsWith('/$bunfs/') || /^[A-Z]:\\~BUN\\/.test(path)

/** Whether this process runs as the single binary: its entry is then one of the embedded files. */
export const isCompiledBinary = (): boolean => isEmbeddedPath(Bun.main)
