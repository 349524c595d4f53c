import { NodeHttpClient } from "@effect/platform-node"
import { ConfigProvider, Layer } from "effect"
import { OtlpSerialization, OtlpTracer } from "effect/observability"

/**
 * OpenTelemetry's own defaults, under whatever the environment sets: the traces exporter is
 * `otlp` (Effect's `layerFromConfig` otherwise also wants `OTEL_TRACES_EXPORTER=otlp`) and the
 * service is `orchestra`.
 */
const otelDefaults = ConfigProvider.fromEnv({ env: { OTEL_TRACES_EXPORTER: "otlp", OTEL_SERVICE_NAME: "orchestra" } })

/**
 * Spans exported over OTLP/HTTP (JSON) when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set; off otherwise, and off with
 * `OTEL_TRACES_EXPORTER=none` or `OTEL_SDK_DISABLED=true`. The standard `OTEL_*` variables apply
 * (headers, `OTEL_BSP_SCHEDULE_DELAY`, `OTEL_RESOURCE_ATTRIBUTES`, ...). Pending spans are flushed
 * when the server stops.
 */
export const TracingLive = OtlpTracer.layerFromConfig().pipe(
  Layer.provide(OtlpSerialization.layerJson),
  Layer.provide(NodeHttpClient.layerUndici),
  Layer.provide(ConfigProvider.layerAdd(otelDefaults))
)
