// The carried Harbor contract (contract/*.json) and its extractor (scripts/lib/contract.ts, npm run sync-contract):
// prose is removed and structure kept; --check reports changed operations, parameters and chart keys; the carried
// files are deterministic and hold facts only. Synthetic sources in a temp dir: no file outside the repository.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { extractApi, extractChart, extractRbac, stableStringify } from "../scripts/lib/contract";
import { main } from "../scripts/sync-contract";
import { loadSpec } from "./emulator";
import { chartContract, chartDefaultsSkeleton, contractDir } from "./helpers/contract";

const SWAGGER = `swagger: '2.0'
info:
  title: Harbor API
  description: These APIs provide services for manipulating Harbor project.
  version: '2.0'
basePath: /api/v2.0
tags:
  - name: project
    description: Project related APIs.
paths:
  /projects:
    get:
      summary: List projects
      description: This endpoint returns projects created by Harbor.
      externalDocs:
        url: https://goharbor.io
      tags:
        - project
      operationId: listProjects
      x-codegen-hint: only for docs
      parameters:
        - $ref: '#/parameters/requestId'
        - name: q
          in: query
          description: Query string to query resources.
          type: string
          required: false
        - name: page_size
          in: query
          type: integer
          format: int64
          default: 10
          maximum: 100
          description: The size of per page.
      responses:
        '200':
          description: Success
          headers:
            X-Total-Count:
              description: The total count of projects
              type: integer
          schema:
            type: array
            items:
              $ref: '#/definitions/Project'
  /projects/{project_id}:
    delete:
      summary: Delete project by projectID
      operationId: deleteProject
      parameters:
        - name: project_id
          in: path
          required: true
          type: integer
      responses:
        '200':
          description: Project is deleted successfully.
parameters:
  requestId:
    name: X-Request-Id
    description: An unique ID for the request
    in: header
    type: string
    minLength: 1
definitions:
  Project:
    type: object
    title: A project
    properties:
      name:
        type: string
        description: The name of the project.
        example: library
        maxLength: 255
      description:
        type: string
        description: The project's own description field (a property, not prose).
      public:
        type: boolean
        x-nullable: true
        enum: [true, false]
    required: [name]
`;

const VALUES = `# Harbor's values (a comment)
expose:
  # Set how to expose the service
  type: ingress
  tls:
    enabled: true
    # certSource: auto
  ingress:
    annotations:
      ingress.kubernetes.io/ssl-redirect: "true"
harborAdminPassword: "Harbor12345"
core:
  replicas: 1
  secret: ""
  # resources:
  #  requests:
  #    memory: 256Mi
  tolerations: []
`;

const CHART = `apiVersion: v1
name: harbor
version: 1.19.1
appVersion: 2.15.1
description: An open source trusted cloud native registry that stores, signs, and scans content
`;

const NOTES = `# Notes
## 2.5 Robots
- **System scope**: project:{list,create}; registry:CRUDL.
- **Project scope**: repository:{read,pull,push}; tag:{create,delete}.
`;

describe("contract: the extractor (npm run sync-contract)", () => {
    let tmp = "";
    let shared = "";
    let out = "";
    let lines: string[] = [];
    const write = (rel: string, text: string) => {
        fs.mkdirSync(path.dirname(path.join(shared, rel)), { recursive: true });
        fs.writeFileSync(path.join(shared, rel), text);
    };
    const run = (...args: string[]) => {
        lines = [];
        return main(args, { HARBOR_SHARED_DIR: shared }, (l) => lines.push(l), out);
    };
    beforeEach(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "contract-"));
        shared = path.join(tmp, "shared");
        out = path.join(tmp, "contract");
        write("harbor/swagger.yaml", SWAGGER);
        write("harbor/chart-values.yaml", VALUES);
        write("harbor/Chart.yaml", CHART);
        write("notes/harbor-api.md", NOTES);
    });
    afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it("drops the swagger's prose and keeps its structure", () => {
        const { source, spec } = extractApi(SWAGGER) as { source: { file: string; sha256: string }[]; spec: any };
        const text = JSON.stringify(spec);
        for (const prose of ["These APIs", "Project related", "List projects", "returns projects", "goharbor.io", "Query string", "per page", "total count", "Success", "A project", "The name of", "library", "only for docs", "An unique ID"]) {
            assert.ok(!text.includes(prose), `prose left in the contract: ${prose}`);
        }
        assert.deepEqual(spec.info, { version: "2.0" });
        assert.deepEqual(spec.tags, [{ name: "project" }]);
        const get = spec.paths["/projects"].get;
        assert.deepEqual(Object.keys(get).sort(), ["operationId", "parameters", "responses", "tags"]);
        assert.deepEqual(get.parameters, [
            { $ref: "#/parameters/requestId" },
            { name: "q", in: "query", type: "string", required: false },
            { name: "page_size", in: "query", type: "integer", format: "int64", default: 10, maximum: 100 },
        ]);
        assert.deepEqual(get.responses["200"], { headers: { "X-Total-Count": { type: "integer" } }, schema: { type: "array", items: { $ref: "#/definitions/Project" } } });
        assert.deepEqual(spec.parameters.requestId, { name: "X-Request-Id", in: "header", type: "string", minLength: 1 });
        assert.deepEqual(spec.definitions.Project, {
            type: "object",
            required: ["name"],
            properties: { name: { type: "string", maxLength: 255 }, description: { type: "string" }, public: { type: "boolean", "x-nullable": true, enum: [true, false] } },
        });
        assert.equal(spec.basePath, "/api/v2.0");
        assert.equal(source[0].file, "harbor/swagger.yaml");
        assert.match(source[0].sha256, /^[0-9a-f]{64}$/);
    });

    it("carries the chart's keys (real, commented, nested commented), free-form keys, kinds of defaults, never values or comments", () => {
        const c = extractChart(VALUES, CHART);
        assert.deepEqual(c.chart, { name: "harbor", version: "1.19.1", appVersion: "2.15.1" });
        for (const k of ["expose.type", "expose.tls.certSource", "core.resources", "core.resources.requests.memory", "harborAdminPassword"]) assert.ok(c.keys.known.includes(k), k);
        assert.deepEqual(c.keys.freeForm, ["core.resources", "core.tolerations", "expose.ingress.annotations"]);
        assert.deepEqual(c.defaults.expose, { type: "string", tls: { enabled: "true" }, ingress: { annotations: { "ingress.kubernetes.io/ssl-redirect": "string" } } });
        assert.deepEqual(c.defaults.core, { replicas: "number", secret: "empty-string", tolerations: "list" });
        const text = stableStringify(c);
        for (const v of ["Harbor12345", "256Mi", "Set how", "cloud native"]) assert.ok(!text.includes(v), `not a key: ${v}`);
    });

    it("carries the robot access lists of the notes", () => {
        assert.deepEqual(extractRbac(NOTES).robotAccess, {
            system: { project: ["create", "list"], registry: ["create", "delete", "list", "read", "update"] },
            project: { repository: ["pull", "push", "read"], tag: ["create", "delete"] },
        });
    });

    it("writes sorted JSON, then --check passes; a prose-only change still passes, with a note", () => {
        assert.equal(run(), 0);
        assert.deepEqual(fs.readdirSync(out).sort(), ["harbor-api.json", "harbor-chart.json", "harbor-rbac.json"]);
        for (const f of fs.readdirSync(out)) {
            const text = fs.readFileSync(path.join(out, f), "utf8");
            assert.equal(stableStringify(JSON.parse(text)), text, `${f} is not in canonical form`);
        }
        assert.equal(run("--check"), 0);
        assert.match(lines.join("\n"), /matches/);
        write("harbor/swagger.yaml", SWAGGER.replace("List projects", "List every project"));
        assert.equal(run("--check"), 0, lines.join("\n"));
        assert.match(lines.join("\n"), /harbor-api\.json: same facts, but its sources changed/);
    });

    it("--check reports a changed parameter, a new operation and a removed definition", () => {
        run();
        write("harbor/swagger.yaml", SWAGGER
            .replace("          maximum: 100", "          maximum: 50")
            .replace("  /projects/{project_id}:\n    delete:", "  /projects/{project_id}:\n    head:\n      operationId: headProject\n      responses:\n        '200':\n          description: ok\n    delete:")
            .replace(/definitions:[\s\S]*$/, "definitions: {}\n")
            .replace("$ref: '#/definitions/Project'", "type: object"));
        assert.equal(run("--check"), 1);
        const report = lines.join("\n");
        assert.match(report, /~ operation GET \/projects \(listProjects\): parameters page_size; responses 200/);
        assert.match(report, /\+ operation HEAD \/projects\/\{project_id\} \(headProject\)/);
        assert.match(report, /- definition Project/);
        assert.ok(!/deleteProject/.test(report), report);
    });

    it("--check reports added and removed chart keys, a new chart version and changed robot access", () => {
        run();
        write("harbor/chart-values.yaml", VALUES.replace("  replicas: 1\n", "  replicaCount: 1\n").replace("  #  requests:", "  #  limits:"));
        write("harbor/Chart.yaml", CHART.replace("version: 1.19.1", "version: 1.20.0"));
        write("notes/harbor-api.md", NOTES.replace("tag:{create,delete}", "tag:{create,delete,list}"));
        assert.equal(run("--check"), 1);
        const report = lines.join("\n");
        for (const expected of ["~ chart version: 1.19.1 -> 1.20.0", "+ key core.replicaCount", "- key core.replicas", "+ key core.resources.limits.memory",
            "- key core.resources.requests.memory", "~ project robot access tag: create,delete -> create,delete,list"]) {
            assert.ok(report.includes(expected), `${expected} not in:\n${report}`);
        }
        assert.equal(run(), 0);
        assert.equal(run("--check"), 0);
    });

    it("without the sources, --check says there is nothing to compare and passes", () => {
        fs.rmSync(shared, { recursive: true });
        assert.equal(run("--check"), 0);
        assert.equal(lines.length, 1);
        assert.match(lines[0], /nothing to compare/);
        assert.ok(!fs.existsSync(out));
    });
});

describe("contract: what the repository carries", () => {
    it("holds only the extracted JSON facts, in canonical form, with their sources' hashes", () => {
        const files = fs.readdirSync(contractDir).sort();
        assert.deepEqual(files, ["harbor-api.json", "harbor-chart.json", "harbor-rbac.json"]);
        for (const f of files) {
            const text = fs.readFileSync(path.join(contractDir, f), "utf8");
            const doc = JSON.parse(text);
            assert.equal(stableStringify(doc), text, `${f} is not canonical: run npm run sync-contract`);
            for (const s of doc.source) assert.match(s.sha256, /^[0-9a-f]{64}$/);
        }
    });

    it("the API contract has no prose on operations or parameters, and the emulator knows the operations", () => {
        const spec = loadSpec();
        assert.ok(spec.operations.size > 200, `only ${spec.operations.size} operations`);
        for (const op of spec.operations.values()) {
            for (const p of op.parameters) for (const k of ["description", "example", "x-example"]) assert.ok(!(k in p), `${op.operationId} ${p.name}: ${k}`);
        }
        for (const id of ["listProjects", "createProject", "getProject", "CreateRobot", "ListRobot"]) assert.ok(spec.operations.has(id), id);
    });

    it("the chart contract is Harbor's chart, its defaults skeleton never holds a value", () => {
        const c = chartContract();
        assert.equal(c.chart.name, "harbor");
        const skeleton = JSON.stringify(chartDefaultsSkeleton());
        assert.ok(!/Harbor12345|not-a-secure-key/.test(skeleton));
        assert.ok(c.keys.known.includes("core.resources.requests.cpu"), "nested commented keys are carried");
    });
});
