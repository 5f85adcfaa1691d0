// Harbor's `q` query parameter, the subset the emulator needs: `k=v` (exact) and `k=~v` (fuzzy), joined by commas.
// Other forms (ranges, unions) are answered with a 400 so a client relying on them fails loudly.
//
// As Harbor parses it (src/lib/q/builder.go, parseKeywords / parsePattern / escapeValue): the value of `q`, already
// decoded once with the rest of the query string, is unescaped a SECOND time with Go's url.QueryUnescape (so `+`
// becomes a space and `%XX` a byte; a malformed escape leaves the whole string as it was), then split on every `,`,
// each term on its first `=`; an empty key or value is a 400; an exact value loses one leading backslash (the escape
// for a value starting with ~ [ { or ().
import { badRequest } from "../server";

export interface QueryTerm {
    value: string;
    fuzzy: boolean;
}

/** Go's url.QueryUnescape: `+` → space, `%XX` → byte (UTF-8 decoded); undefined when an escape is malformed. */
export function goQueryUnescape(s: string): string | undefined {
    if (/%(?![0-9A-Fa-f]{2})/.test(s)) return undefined;
    const bytes: number[] = [];
    for (let i = 0; i < s.length; i++) {
        const ch = s[i];
        if (ch === "%") {
            bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
            i += 2;
        } else if (ch === "+") bytes.push(0x20);
        else bytes.push(...Buffer.from(ch, "utf8"));
    }
    return Buffer.from(bytes).toString("utf8");
}

export function parseQ(q: string | null): Map<string, QueryTerm> {
    const terms = new Map<string, QueryTerm>();
    if (!q) return terms;
    const unescaped = goQueryUnescape(q) ?? q; // builder.go: on error Harbor logs it and goes on with q as it is
    for (const part of unescaped.split(",")) {
        const i = part.indexOf("=");
        const key = i < 0 ? "" : part.slice(0, i);
        const raw = i < 0 ? "" : part.slice(i + 1);
        if (!key || !raw) throw badRequest(`the query string must contain "=" and the key/value cannot be empty`);
        if (/^[[{(]/.test(raw)) throw badRequest(`emulator: q ranges/unions are not emulated ("${part}")`);
        if (raw.startsWith("~")) {
            if (raw.length < 2) throw badRequest(`invalid query string value: ${raw}`);
            terms.set(key, { value: raw.slice(1), fuzzy: true });
        } else terms.set(key, { value: raw.startsWith("\\") ? raw.slice(1) : raw, fuzzy: false });
    }
    return terms;
}

/** Does `actual` satisfy the term (exact, or substring when fuzzy)? An absent term matches everything. */
export function matches(term: QueryTerm | undefined, actual: string | number | undefined): boolean {
    if (!term) return true;
    const a = String(actual ?? "");
    return term.fuzzy ? a.includes(term.value) : a === term.value;
}
