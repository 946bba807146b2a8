using Azure.Monitor.OpenTelemetry.Exporter;
using Glimpse.Pipeline.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Glimpse.Pipeline.Hosting;

/// <summary>
/// OpenTelemetry for a pipeline host: the pipeline's spans and metrics (<see cref="PipelineTelemetry.SourceName"/>), the
/// Azure SDKs' spans (storage, Service Bus), and logs; exported to Application Insights when
/// <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set and over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is,
/// both when both are. Without either, nothing is exported (the console logger still prints).
/// </summary>
public static class PipelineTelemetryExtensions
{
    public const string AppInsightsSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";
    public const string OtlpSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public static OpenTelemetryBuilder AddGlimpseTelemetry(this IServiceCollection services, IConfiguration configuration, string serviceName)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        string? appInsights = configuration[AppInsightsSetting];
        bool otlp = !string.IsNullOrEmpty(configuration[OtlpSetting]);
        // The Azure SDKs' own spans (blob, queue and Service Bus calls) join the job's trace.
        AppContext.SetSwitch("Azure.Experimental.EnableActivitySource", true);
        return services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithTracing(tracing =>
            {
                tracing.AddSource(PipelineTelemetry.SourceName, "Azure.*");
                if (!string.IsNullOrEmpty(appInsights)) tracing.AddAzureMonitorTraceExporter(o => o.ConnectionString = appInsights);
                if (otlp) tracing.AddOtlpExporter();
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(PipelineTelemetry.SourceName);
                if (!string.IsNullOrEmpty(appInsights)) metrics.AddAzureMonitorMetricExporter(o => o.ConnectionString = appInsights);
                if (otlp) metrics.AddOtlpExporter();
            })
            .WithLogging(logging =>
            {
                if (!string.IsNullOrEmpty(appInsights)) logging.AddAzureMonitorLogExporter(o => o.ConnectionString = appInsights);
                if (otlp) logging.AddOtlpExporter();
            });
    }
}
