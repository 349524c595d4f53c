// Prints the public API's OpenAPI document: `node packages/http/scripts/openapi.ts > openapi.json`.
import { openApiDocument } from "../src/api/OpenApiDocument.ts"

process.stdout.write(`${JSON.stringify(openApiDocument(), null, 2)}\n`)
