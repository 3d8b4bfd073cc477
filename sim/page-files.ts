// The files a web page served by a mock server is made of (index.html, app.js, style.css in a
// `public` folder beside the server): only these paths are served, read on each request so that
// an edited page shows on reload.

import { readFileSync } from "node:fs"
import { join } from "node:path"

const FILES: Record<string, { file: string; type: string }> = {
    "/": { file: "index.html", type: "text/html; charset=utf-8" },
    "/index.html": { file: "index.html", type: "text/html; charset=utf-8" },
    "/app.js": { file: "app.js", type: "text/javascript; charset=utf-8" },
    "/style.css": { file: "style.css", type: "text/css; charset=utf-8" },
}

/** The page file at `path` in `folder`: its bytes and content type, or null for any other path. */
export function pageFile(folder: string, path: string): { body: Buffer; type: string } | null {
    if (!Object.prototype.hasOwnProperty.call(FILES, path)) return null
    const entry = FILES[path]
    return { body: readFileSync(join(folder, entry.file)), type: entry.type }
}
