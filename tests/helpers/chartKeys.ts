/**
 * A small reader for the chart's values.yaml that knows every key, including keys that are commented out
 * (`# resources:` / `#  requests:` / `#existingSecret: ""`): those are documented options of the chart.
 * It only tracks keys and indentation; values are classified just enough to know which maps are free-form.
 */

export interface ChartKeys {
    /** Dotted paths of every key, commented or not. */
    known: Set<string>;
    /** Paths whose value is free-form (an empty map/list in the chart, a list, or a Kubernetes-typed field). */
    freeForm: Set<string>;
}

/** Kubernetes-typed fields: any structure below them is the Kubernetes API's, not the chart's. */
const KUBERNETES_TYPED = new Set([
    "annotations", "labels", "podAnnotations", "podLabels", "serviceAnnotations", "additionalLabels", "nodeSelector",
    "tolerations", "affinity", "topologySpreadConstraints", "resources", "extraEnvVars", "initContainers",
    "containerSecurityContext", "metricRelabelings", "relabelings",
]);

const KEY = /^([A-Za-z0-9_][A-Za-z0-9_.\/-]*|"[^"]+"):(\s+(.*))?$/;
const COMMENTED_KEY = /^([A-Za-z][A-Za-z0-9_]*):(\s+(.*))?$/;

export function readChartKeys(text: string): ChartKeys {
    const known = new Set<string>();
    const freeForm = new Set<string>();
    const stack: { indent: number; key: string }[] = [];

    for (const line of text.split("\n")) {
        if (!line.trim()) continue;
        let indent: number;
        let content: string;
        const commented = /^(\s*)#(\s*)(.*)$/.exec(line);
        if (commented) {
            content = commented[3];
            if (!COMMENTED_KEY.test(content)) continue;
            // `  #  requests:` is one level below `  # resources:`: the spaces after '#' count, minus the usual one.
            indent = commented[1].length + Math.max(0, commented[2].length - 1);
        } else {
            indent = line.length - line.trimStart().length;
            content = line.trim();
            if (content.startsWith("- ")) continue;
        }
        const m = (commented ? COMMENTED_KEY : KEY).exec(content);
        if (!m) continue;
        const key = m[1].replace(/^"|"$/g, "");
        const value = (m[3] ?? "").replace(/\s+#.*$/, "").trim();
        while (stack.length && stack[stack.length - 1].indent >= indent) stack.pop();
        const path = [...stack.map((s) => s.key), key].join(".");
        known.add(path);
        if (value === "{}" || value === "[]" || KUBERNETES_TYPED.has(key)) freeForm.add(path);
        stack.push({ indent, key });
    }
    return { known, freeForm };
}

/** Every leaf path of a values object (lists are leaves). */
export function leafPaths(values: unknown, prefix = ""): string[] {
    if (values === null || typeof values !== "object" || Array.isArray(values)) return [prefix];
    const entries = Object.entries(values as Record<string, unknown>);
    if (entries.length === 0) return [prefix];
    return entries.flatMap(([k, v]) => leafPaths(v, prefix ? `${prefix}.${k}` : k));
}

/** Paths of `values` the chart does not know (empty when every key exists in the chart's values.yaml). */
export function unknownKeys(values: unknown, chart: ChartKeys): string[] {
    return leafPaths(values).filter((p) => {
        const parts = p.split(".");
        for (let i = 1; i <= parts.length; i++) {
            const prefix = parts.slice(0, i).join(".");
            if (!chart.known.has(prefix)) return true;
            if (chart.freeForm.has(prefix)) return false;
        }
        return false;
    });
}
