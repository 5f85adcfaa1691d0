/**
 * PreviewOps on the Pulumi Automation API. It drives the Pulumi CLI against THIS repository (a local program,
 * workDir = repo root), so a pr-<n> stack deploys exactly the code under review. Backend and secrets come from
 * the usual environment: PULUMI_BACKEND_URL (s3://, file://, or Pulumi Cloud with PULUMI_ACCESS_TOKEN) and
 * PULUMI_CONFIG_PASSPHRASE(_FILE) or a KMS secrets provider.
 */
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { ConfigMap, OutputValue, PreviewOps, StackSummary } from "./previewOps";

export interface AutomationOpsOptions {
    /** The Pulumi project directory (the repository root). */
    workDir: string;
    /** Secrets provider for stacks this creates (e.g. awskms://alias/harbor-platform); default passphrase. */
    secretsProvider?: string;
    /** Where engine output goes (it is the CLI's own output: secrets are masked). */
    onOutput?: (line: string) => void;
}

export async function automationOps(o: AutomationOpsOptions): Promise<PreviewOps> {
    const ws = await LocalWorkspace.create({ workDir: o.workDir, secretsProvider: o.secretsProvider });
    const stacks = new Map<string, Stack>();
    const select = async (name: string): Promise<Stack> => {
        const cached = stacks.get(name);
        if (cached) {
            return cached;
        }
        const stack = await Stack.select(name, ws);
        stacks.set(name, stack);
        return stack;
    };
    const onOutput = o.onOutput ?? ((s: string) => process.stdout.write(s));
    return {
        listStacks: async (): Promise<StackSummary[]> => (await ws.listStacks()).map((s) => ({
            name: s.name, lastUpdate: s.lastUpdate, updateInProgress: s.updateInProgress, resourceCount: s.resourceCount,
        })),
        getAllConfig: (stack: string): Promise<ConfigMap> => ws.getAllConfig(stack),
        createOrSelectStack: async (name: string): Promise<void> => {
            stacks.set(name, await Stack.createOrSelect(name, ws));
        },
        setAllConfig: (stack: string, config: ConfigMap): Promise<void> => ws.setAllConfig(stack, config),
        up: async (name: string): Promise<Record<string, OutputValue>> => {
            const result = await (await select(name)).up({ onOutput });
            return Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, { value: v.value, secret: v.secret }]));
        },
        destroy: async (name: string): Promise<void> => {
            await (await select(name)).destroy({ onOutput });
        },
        removeStack: async (name: string): Promise<void> => {
            await ws.removeStack(name);
            stacks.delete(name);
        },
    };
}
