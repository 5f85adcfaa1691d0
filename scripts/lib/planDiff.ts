/**
 * Diffs two offline plans (the JSON printed by `npm run plan -- --stack <s>`) into readable markdown for a
 * pull-request comment: resources created, deleted and updated (with the input paths that change), and
 * changed outputs. Pure: no I/O here. Secrets are already "[secret]" in plans, so they stay masked.
 */

export interface PlanResource {
    type: string;
    name: string;
    parent?: string;
    inputs?: Record<string, unknown>;
}

export interface Plan {
    stack: string;
    resources: PlanResource[];
    outputs?: Record<string, unknown>;
}

export interface Change {
    path: string;
    before?: unknown;
    after?: unknown;
    /** Rendered without values (e.g. the serialized code of a dynamic provider). */
    opaque?: boolean;
}

export interface ResourceChange {
    resource: PlanResource;
    changes: Change[];
}

export interface PlanDiff {
    stack: string;
    /** False when there was no base plan to compare with. */
    hasBase: boolean;
    added: PlanResource[];
    removed: PlanResource[];
    changed: ResourceChange[];
    unchanged: number;
    outputs: Change[];
}

/** Parses and checks a plan file's JSON; `label` names the file in errors. */
export function parsePlan(json: string, label: string): Plan {
    let raw: unknown;
    try {
        raw = JSON.parse(json);
    } catch (e) {
        throw new Error(`${label} is not valid JSON: ${(e as Error).message}`);
    }
    const obj = raw as Partial<Plan> | null;
    if (!obj || typeof obj !== "object" || typeof obj.stack !== "string" || !Array.isArray(obj.resources)) {
        throw new Error(`${label} is not a plan: expected {"stack": string, "resources": [...], "outputs": {...}} as printed by \`npm run plan -- --stack <name>\``);
    }
    obj.resources.forEach((r, i) => {
        if (!r || typeof r.type !== "string" || typeof r.name !== "string") {
            throw new Error(`${label}: resources[${i}] needs string "type" and "name"`);
        }
    });
    return { stack: obj.stack, resources: obj.resources, outputs: obj.outputs ?? {} };
}

/** Identity of a resource across plans: type + name, plus the parent when type+name is ambiguous. */
function keyed(resources: PlanResource[]): Map<string, PlanResource> {
    const counts = new Map<string, number>();
    for (const r of resources) {
        counts.set(`${r.type}::${r.name}`, (counts.get(`${r.type}::${r.name}`) ?? 0) + 1);
    }
    const out = new Map<string, PlanResource>();
    for (const r of resources) {
        const base = `${r.type}::${r.name}`;
        out.set((counts.get(base) ?? 0) > 1 ? `${r.parent ?? ""}>${base}` : base, r);
    }
    return out;
}

/** Keys holding machine-generated blobs: compared, but never printed. */
const OPAQUE_KEYS = new Set(["__provider"]);

/** Flattens a value into `a.b[0].c` → leaf, for path-level diffs. */
export function flatten(value: unknown, prefix = "", out = new Map<string, unknown>()): Map<string, unknown> {
    if (Array.isArray(value) && value.length > 0) {
        value.forEach((v, i) => flatten(v, `${prefix}[${i}]`, out));
    } else if (value !== null && typeof value === "object" && Object.keys(value).length > 0) {
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
            const path = prefix ? `${prefix}.${k}` : k;
            if (OPAQUE_KEYS.has(k)) {
                out.set(path, JSON.stringify(v));
            } else {
                flatten(v, path, out);
            }
        }
    } else if (prefix) {
        out.set(prefix, value);
    }
    return out;
}

export function diffValues(before: unknown, after: unknown): Change[] {
    const a = flatten(before);
    const b = flatten(after);
    const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
    const changes: Change[] = [];
    for (const path of paths) {
        const [x, y] = [a.get(path), b.get(path)];
        if (JSON.stringify(x) !== JSON.stringify(y)) {
            const opaque = OPAQUE_KEYS.has(path.split(".").pop() ?? "");
            changes.push(opaque ? { path, opaque } : { path, before: x, after: y });
        }
    }
    return changes;
}

export function diffPlans(base: Plan | undefined, head: Plan): PlanDiff {
    const before = keyed(base?.resources ?? []);
    const after = keyed(head.resources);
    const diff: PlanDiff = { stack: head.stack, hasBase: base !== undefined, added: [], removed: [], changed: [], unchanged: 0, outputs: [] };
    for (const [key, r] of after) {
        const old = before.get(key);
        if (!old) {
            diff.added.push(r);
            continue;
        }
        const changes = diffValues(old.inputs ?? {}, r.inputs ?? {});
        if (changes.length > 0) {
            diff.changed.push({ resource: r, changes });
        } else {
            diff.unchanged++;
        }
    }
    for (const [key, r] of before) {
        if (!after.has(key)) {
            diff.removed.push(r);
        }
    }
    diff.outputs = base ? diffValues(base.outputs ?? {}, head.outputs ?? {}) : [];
    return diff;
}

export interface RenderOptions {
    /** Input paths listed per updated resource before "and N more". */
    maxChangesPerResource?: number;
    /** Longest rendered value. */
    maxValueLength?: number;
}

/** A value as inline code, short and safe inside a markdown table cell. */
export function cell(value: unknown, max = 60): string {
    let s = value === undefined ? "(unset)" : JSON.stringify(value);
    if (s.length > max) {
        s = s.slice(0, max - 1) + "…";
    }
    s = s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
    return s.includes("`") ? `<code>${s.replace(/</g, "&lt;")}</code>` : `\`${s}\``;
}

function renderChange(c: Change, max: number): string {
    if (c.opaque) {
        return `\`${c.path}\` (provider code changed)`;
    }
    if (c.before === undefined) {
        return `\`${c.path}\`: + ${cell(c.after, max)}`;
    }
    if (c.after === undefined) {
        return `\`${c.path}\`: − ${cell(c.before, max)}`;
    }
    return `\`${c.path}\`: ${cell(c.before, max)} → ${cell(c.after, max)}`;
}

export function renderDiff(diff: PlanDiff, o: RenderOptions = {}): string {
    const maxChanges = o.maxChangesPerResource ?? 12;
    const maxValue = o.maxValueLength ?? 60;
    const lines: string[] = [`#### Plan of \`${diff.stack}\``, ""];
    if (!diff.hasBase) {
        lines.push("_No plan of the base branch to compare with (first plan, or the base branch could not be planned): everything is listed as new._", "");
    }
    const total = diff.added.length + diff.removed.length + diff.changed.length;
    lines.push(`**${diff.added.length} to create, ${diff.changed.length} to update, ${diff.removed.length} to delete**, ${diff.unchanged} unchanged.`, "");
    if (total > 0) {
        const rows: string[] = ["| | Resource | Type | Changes |", "|---|---|---|---|"];
        for (const r of diff.added) {
            rows.push(`| + | \`${r.name}\` | \`${r.type}\` | |`);
        }
        for (const { resource, changes } of diff.changed) {
            const shown = changes.slice(0, maxChanges).map((c) => renderChange(c, maxValue));
            if (changes.length > maxChanges) {
                shown.push(`… and ${changes.length - maxChanges} more`);
            }
            rows.push(`| ~ | \`${resource.name}\` | \`${resource.type}\` | ${shown.join("<br>")} |`);
        }
        for (const r of diff.removed) {
            rows.push(`| − | \`${r.name}\` | \`${r.type}\` | |`);
        }
        // Long tables fold away so the comment stays readable.
        if (rows.length > 32) {
            lines.push("<details><summary>Resources</summary>", "", ...rows, "", "</details>");
        } else {
            lines.push(...rows);
        }
        lines.push("");
    }
    if (diff.outputs.length > 0) {
        lines.push("Outputs:", "", ...diff.outputs.map((c) => `- ${renderChange(c, maxValue)}`), "");
    }
    return lines.join("\n");
}
