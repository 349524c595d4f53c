import { Console, Effect, FileSystem, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { stringify } from "yaml"
import { openApiDocument } from "@orchestra/http/api/OpenApiDocument"
import { UsageError } from "../CliFailure.ts"
import { toPostmanCollection } from "../openapi/toPostman.ts"

export const openapiCommand = Command.make(
  "openapi",
  {
    format: Flag.Literals("format", ["json", "yaml", "postman"]).pipe(
      Flag.withDescription("json or yaml: the OpenAPI 3.1 document the server serves at /openapi.json; postman: a Postman v2.1 collection of the demo journeys that runs as exported against `pnpm start` (newman run FILE)"),
      Flag.withDefault("json")
    ),
    out: Flag.String("out").pipe(Flag.withDescription("Write to this file instead of stdout"), Flag.optional)
  },
  ({ format, out }) =>
    Effect.gen(function* () {
      const document = openApiDocument()
      const text =
        format === "yaml"
          ? // Objects the document shares (response headers) are written out: YAML readers cap aliases.
            stringify(document, { aliasDuplicateObjects: false })
          : `${JSON.stringify(format === "postman" ? toPostmanCollection(document) : document, null, 2)}\n`
      if (Option.isNone(out)) return yield* Console.log(text.trimEnd())
      yield* FileSystem.FileSystem.use((fs) => fs.writeFileString(out.value, text)).pipe(
        Effect.mapError((error) => new UsageError({ message: `cannot write ${out.value}: ${error.message}` }))
      )
      yield* Console.error(`wrote ${out.value}`)
    })
).pipe(
  Command.withDescription("Print the public API's OpenAPI document, without a running server, or convert it to a Postman collection."),
  Command.withExamples([
    { command: "orchestra openapi > openapi.json", description: "The document /openapi.json serves" },
    { command: "orchestra openapi --format yaml --out openapi.yaml", description: "As YAML, to a file" },
    { command: "orchestra openapi --format postman --out orchestra.postman_collection.json", description: "For Postman, or newman run orchestra.postman_collection.json" }
  ])
)
