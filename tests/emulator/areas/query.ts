// Harbor's `q` query parameter, the subset the emulator needs: `k=v` (exact) and `k=~v` (fuzzy), joined by commas.
// Other forms (ranges, unions) are answered with a 400 so a client relying on them fails loudly.
import { badRequest } from "../server";

export interface QueryTerm {
    value: string;
    fuzzy: boolean;
}

export function parseQ(q: string | null): Map<string, QueryTerm> {
    const terms = new Map<string, QueryTerm>();
    if (!q) return terms;
    for (const part of q.split(",")) {
        const m = /^([A-Za-z_]+)=(~?)(.*)$/.exec(part.trim());
        if (!m) throw badRequest(`emulator: unsupported q term "${part}"`);
        let value = m[3];
        if (/^[[{(]/.test(value)) throw badRequest(`emulator: q ranges/unions are not emulated ("${part}")`);
        if (/^'.*'$/.test(value)) value = value.slice(1, -1);
        terms.set(m[1], { value, fuzzy: m[2] === "~" });
    }
    return terms;
}

/** Does `actual` satisfy the term (exact, or substring when fuzzy)? An absent term matches everything. */
export function matches(term: QueryTerm | undefined, actual: string | number | undefined): boolean {
    if (!term) return true;
    const a = String(actual ?? "");
    return term.fuzzy ? a.includes(term.value) : a === term.value;
}
