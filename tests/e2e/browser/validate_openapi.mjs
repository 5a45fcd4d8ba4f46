// validate_openapi.mjs — is an OpenAPI document valid? (used by tests/e2e/test_openapi.py)
//
//   node validate_openapi.mjs FILE
//
// 1. The document against the official OpenAPI JSON Schema of its version (3.1 here), with
//    @seriousme/openapi-schema-validator; this also resolves every $ref.
// 2. Every Schema Object (components.schemas and each "schema" of a parameter, media type
//    or header) against the JSON Schema 2020-12 meta-schema, OpenAPI 3.1's default
//    dialect, with ajv: the OpenAPI schema leaves Schema Objects unchecked, so a
//    "type": "strin" or "minimum": "1" would pass step 1.
// Prints one JSON line {"valid", "version", "errors"} and exits 0 when valid, 1 when not,
// 2 on a usage or read error.
import { readFile } from "node:fs/promises";
import { Validator } from "@seriousme/openapi-schema-validator";
import Ajv2020Module from "ajv/dist/2020.js";

const Ajv2020 = Ajv2020Module.default ?? Ajv2020Module;

const file = process.argv[2];
if (!file) {
  console.error("usage: node validate_openapi.mjs FILE");
  process.exit(2);
}

let doc;
try {
  doc = JSON.parse(await readFile(file, "utf8"));
} catch (err) {
  console.error(`validate_openapi: cannot read ${file}: ${err.message}`);
  process.exit(2);
}

const validator = new Validator();
const res = await validator.validate(doc);
let errors = res.valid ? [] : [].concat(res.errors);

// Schema Objects with their JSON pointers.
function* schemaObjects(node, pointer) {
  if (node === null || typeof node !== "object") return;
  for (const [key, value] of Object.entries(node)) {
    const here = `${pointer}/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`;
    if (key === "schema" && typeof value === "object") {
      yield [here, value];
    } else if (here === "/components/schemas") {
      for (const [name, schema] of Object.entries(value)) yield [`${here}/${name}`, schema];
    } else {
      yield* schemaObjects(value, here);
    }
  }
}

if (errors.length === 0) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  for (const [pointer, schema] of schemaObjects(doc, "")) {
    if (!ajv.validateSchema(schema)) {
      for (const e of ajv.errors) errors.push({ schema: pointer, ...e });
    }
  }
}

console.log(JSON.stringify({ valid: errors.length === 0, version: validator.version, errors }));
process.exit(errors.length === 0 ? 0 : 1);
