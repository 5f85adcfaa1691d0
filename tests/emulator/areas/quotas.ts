// /quotas: one storage quota per project (created and removed with the project; state in ./projects).
import { badRequest, defineArea, notFound, ok, paginate } from "../server";
import { projectsArea } from "./projects";

const MAX_STORAGE = 1024 * 1024 ** 4; // 1024 TiB

export const quotasArea = defineArea<null>({
    name: "quotas",
    init: () => null,
    handlers: (_state, emu) => {
        const projects = () => emu.area(projectsArea);
        return {
            listQuotas: (req) => {
                let list = [...projects().quotas.values()];
                const reference = req.query.get("reference");
                if (reference && reference !== "project") list = [];
                const refId = req.query.get("reference_id");
                if (refId !== null) list = list.filter((q) => String(q.projectId) === refId);
                return paginate(req, list.map((q) => projects().quotaView(q)));
            },
            getQuota: (req) => {
                const q = projects().quotas.get(Number(req.params.id));
                if (!q) throw notFound(`quota ${req.params.id}`);
                return ok(projects().quotaView(q));
            },
            updateQuota: (req) => {
                const q = projects().quotas.get(Number(req.params.id));
                if (!q) throw notFound(`quota ${req.params.id}`);
                const hard = (req.body as { hard?: Record<string, number> }).hard ?? {};
                for (const key of Object.keys(hard)) if (key !== "storage") throw badRequest(`quota resource ${key} is not supported`);
                const storage = hard.storage;
                if (storage === undefined) throw badRequest("hard.storage is required");
                if (storage !== -1 && (storage <= 0 || storage > MAX_STORAGE)) throw badRequest(`hard.storage must be -1 or in (0, 1024 TiB], got ${storage}`);
                q.hard = storage;
                return ok();
            },
        };
    },
});
