// `npm run harbor-docs`: writes each declared resource's inputs table into harbor/README.md, between
// `<!-- inputs:<Type> -->` and `<!-- /inputs -->` (tests/harbor/readme.spec.ts fails when a table is out of date).
import * as fs from "fs";
import * as path from "path";
import { DECLARATIONS } from "../harbor/declarations";

const README = path.join(__dirname, "..", "harbor", "README.md");

/** The README with every declared table written; throws when a marker is missing. */
export function withReferenceTables(text: string): string {
    let out = text;
    for (const d of DECLARATIONS) {
        const open = `<!-- inputs:${d.type} -->`;
        const start = out.indexOf(open);
        const end = out.indexOf("<!-- /inputs -->", start);
        if (start < 0 || end < 0) throw new Error(`harbor/README.md has no ${open} ... <!-- /inputs --> section`);
        out = `${out.slice(0, start + open.length)}\n${d.referenceTable()}\n${out.slice(end)}`;
    }
    return out;
}

if (require.main === module) {
    fs.writeFileSync(README, withReferenceTables(fs.readFileSync(README, "utf8")));
    process.stdout.write(`harbor/README.md: ${DECLARATIONS.length} inputs tables written\n`);
}
