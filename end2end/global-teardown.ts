import { rmSync } from 'node:fs';

// Removes the throw-away SQLite data directory the server under test used.
export default function globalTeardown(): void {
  const dir = process.env.CARDKIT_E2E_DATA_DIR;
  if (dir) rmSync(dir, { recursive: true, force: true });
}
