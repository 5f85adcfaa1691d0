/**
 * The sections table: one schema per config section (top-level key), composed from the platform and content
 * schemas plus the secret keys, and the setting paths read from it.
 */
import { z } from "zod";
import { contentSections } from "./content";
import { platformSections } from "./platform";

/** Config keys that hold secrets: set them with `pulumi config set --secret <key>`; never shown in errors. */
export const SECRET_KEYS = [
    "externalDatabasePassword", "externalRedisPassword",
    // Content layer: an existing Harbor's admin password, the prod endpoint's password (explicit replication
    // endpoint), and the directory secrets of LDAP / OIDC authentication.
    "existingHarborPassword", "replicationPassword", "ldapSearchPassword", "oidcClientSecret",
    // The admin password of the Harbor this stack deploys, once changed in Harbor (the chart sets only the first).
    "harborAdminPassword",
] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

/** One schema per config section (top-level key). Values here are AFTER defaults are merged in. */
export const sections = {
    ...platformSections,
    externalDatabasePassword: z.any(),
    externalRedisPassword: z.any(),
    ...contentSections,
    existingHarborPassword: z.any(),
    replicationPassword: z.any(),
    ldapSearchPassword: z.any(),
    oidcClientSecret: z.any(),
    harborAdminPassword: z.any(),
};

export type Sections = typeof sections;
export type SectionKey = keyof Sections;
export const SECTION_KEYS = Object.keys(sections) as SectionKey[];
export type Parsed = { [K in SectionKey]: z.output<Sections[K]> };

/**
 * Every setting a user can write, as a dotted path (`replicas.core`, `projects[].robots[].name`), read from the
 * schema itself, so the README reference and Pulumi.yaml can be checked against it (tests/docs.spec.ts).
 */
export function settingPaths(): string[] {
    const out: string[] = [];
    const walk = (schema: z.core.$ZodType, path: string): void => {
        const def = schema._zod.def as z.core.$ZodTypeDef & Record<string, unknown>;
        switch (def.type) {
            case "object":
                for (const [k, v] of Object.entries(def.shape as Record<string, z.core.$ZodType>)) walk(v, path ? `${path}.${k}` : k);
                return;
            case "pipe": return walk(def.out as z.core.$ZodType, path);
            case "default": case "optional": case "prefault": return walk(def.innerType as z.core.$ZodType, path);
            case "array": return walk(def.element as z.core.$ZodType, `${path}[]`);
            default: out.push(path);
        }
    };
    for (const key of SECTION_KEYS) walk(sections[key] as z.core.$ZodType, key);
    return out;
}
