// A validator for the part of JSON Schema 2020-12 (https://json-schema.org/draft/2020-12/json-schema-validation)
// that config.schema.json uses, so the tests can hold the schema editors read to what the command accepts. A keyword
// outside that part throws: a schema that grows beyond it fails the tests instead of passing unchecked.
type Schema = Record<string, unknown>;

/** Keywords that say something to readers and editors but constrain nothing. */
const ANNOTATIONS = new Set(["$schema", "$id", "title", "description", "default", "$defs"]);

/** Where `value` breaks `schema` (JSON-pointer-like paths and the keyword); empty when it is valid. */
export function schemaErrors(schema: Schema, value: unknown): string[] {
  return check(schema, schema, value, "");
}

function check(root: Schema, schema: Schema, value: unknown, at: string): string[] {
  const errors: string[] = [];
  const object = isObject(value) ? value : undefined;
  for (const [keyword, arg] of Object.entries(schema)) {
    if (ANNOTATIONS.has(keyword)) continue;
    const fail = (what: string) => errors.push(`${at || "/"}: ${keyword} ${what}`);
    switch (keyword) {
      case "$ref":
        errors.push(...check(root, resolve(root, arg as string), value, at));
        break;
      case "type":
        if (!hasType(value, arg as string)) fail(`${arg}`);
        break;
      case "minLength":
        if (typeof value === "string" && [...value].length < (arg as number)) fail(`${arg}`);
        break;
      case "pattern":
        if (typeof value === "string" && !new RegExp(arg as string, "u").test(value)) fail(`${arg}`);
        break;
      case "items":
        for (const [i, v] of (Array.isArray(value) ? value : []).entries()) {
          errors.push(...check(root, arg as Schema, v, `${at}/${i}`));
        }
        break;
      case "properties":
        for (const [name, sub] of Object.entries(arg as Schema)) {
          if (object && name in object) errors.push(...check(root, sub as Schema, object[name], `${at}/${name}`));
        }
        break;
      case "additionalProperties":
        for (const name of Object.keys(object ?? {})) {
          if (name in ((schema["properties"] as Schema | undefined) ?? {})) continue;
          if (arg === false) fail(`(${name})`);
          else errors.push(...check(root, arg as Schema, object?.[name], `${at}/${name}`));
        }
        break;
      case "propertyNames":
        for (const name of Object.keys(object ?? {})) errors.push(...check(root, arg as Schema, name, `${at}/${name}`));
        break;
      case "dependentRequired":
        for (const [name, required] of Object.entries(arg as Record<string, string[]>)) {
          if (object && name in object && required.some((r) => !(r in object))) fail(`(${name})`);
        }
        break;
      case "oneOf":
        if ((arg as Schema[]).filter((sub) => check(root, sub, value, at).length === 0).length !== 1) fail("");
        break;
      default:
        throw new Error(`json-schema.ts does not know the keyword ${keyword}`);
    }
  }
  return errors;
}

/** A local reference (`#/$defs/name`). */
function resolve(root: Schema, ref: string): Schema {
  if (!ref.startsWith("#/")) throw new Error(`json-schema.ts resolves local references only, not ${ref}`);
  let node: unknown = root;
  for (const part of ref.slice(2).split("/")) node = (node as Schema)[part];
  if (!isObject(node)) throw new Error(`${ref} names no schema`);
  return node;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case "object":
      return isObject(value);
    case "array":
      return Array.isArray(value);
    case "integer":
      return Number.isInteger(value);
    case "null":
      return value === null;
    default:
      return typeof value === type;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
