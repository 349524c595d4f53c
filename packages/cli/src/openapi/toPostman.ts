import { Effect } from "effect"

/**
 * The public OpenAPI document as a Postman collection (v2.1), for the gateway team that works in
 * Postman: one folder per tag, request names from the operation summaries, example bodies from
 * the schemas. Converted by Postman's own converter, so the collection imports as theirs would.
 */
export const toPostmanCollection = (document: object): Effect.Effect<object, string> =>
  // Loaded on demand: the converter takes a second to load, which no other command should pay.
  Effect.flatMap(Effect.promise(() => import("openapi-to-postmanv2")), ({ convert }) => convertWith(convert, document))

const convertWith = (convert: typeof import("openapi-to-postmanv2").convert, document: object) =>
  Effect.callback<object, string>((resume) => {
    convert(
      { type: "json", data: document },
      { folderStrategy: "Tags", requestNameSource: "Fallback", requestParametersResolution: "Example" },
      (error, result) => {
        const collection = result?.output?.find((output) => output.type === "collection")?.data
        if (error !== null) resume(Effect.fail(`the Postman conversion failed: ${error.message}`))
        else if (result?.result !== true || collection === undefined) {
          resume(Effect.fail(`the Postman conversion failed: ${result?.reason ?? "no collection produced"}`))
        } else resume(Effect.succeed(collection))
      }
    )
  })
