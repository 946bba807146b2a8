using Azure.Storage.Queues;
using Glimpse.Core.Contracts;
using Glimpse.Pipeline.Handlers;
using Glimpse.Pipeline.Hosting;
using Glimpse.Pipeline.Transport.StorageQueues;
using Glimpse.Processing.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Glimpse.Processing.Hosting;

/// <summary>What <see cref="LocalPipeline"/> runs on.</summary>
public sealed class LocalPipelineOptions
{
    /// <summary>The storage account, an Azurite one locally.</summary>
    public required string StorageConnectionString { get; init; }
    /// <summary>The models folder: one subfolder per model id.</summary>
    public required string ModelsFolder { get; init; }
    public string Device { get; init; } = "cpu";
    /// <summary>How often the jobs container is listed for new manifests and inbox images.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>More configuration by <see cref="PipelineConfiguration"/> names (queue names, lock timing…); wins over the above.</summary>
    public IDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();
    /// <summary>Changes to the composed services, applied last (tests wrap the explain engine here).</summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }
}

/// <summary>
/// The whole pipeline in one process, as <c>glimpse local</c> runs it: ingest (a poller over the jobs container, in the
/// blob trigger's place), the worker loop and the completion subscription, on the Storage Queues transport, composed by
/// the same <see cref="PipelineServiceCollectionExtensions"/> as the Functions app and the worker. Stopping abandons the
/// job in flight, so a pipeline started again on the same storage finishes it.
/// </summary>
public sealed class LocalPipeline : IAsyncDisposable
{
    private readonly IHost _host;

    private LocalPipeline(IHost host) => _host = host;

    public IServiceProvider Services => _host.Services;

    /// <summary>Builds the pipeline, creates containers and queues, loads the models and starts every part.</summary>
    /// <param name="onCompletion">Called for each completion event taken off the completion queue (Storage Queues only).</param>
    /// <param name="logging">Where logs go; none when null.</param>
    public static async Task<LocalPipeline> StartAsync(LocalPipelineOptions options, Func<CompletionEvent, Task> onCompletion,
        Action<ILoggingBuilder>? logging, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(onCompletion);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        var settings = new Dictionary<string, string?>
        {
            [$"{PipelineConfiguration.Storage}:ConnectionString"] = options.StorageConnectionString,
            [$"{PipelineConfiguration.Storage}:CreateIfMissing"] = "true",
            [$"{PipelineConfiguration.Transport}:Kind"] = nameof(TransportKind.StorageQueues),
            [$"{PipelineConfiguration.Models}:Folder"] = options.ModelsFolder,
            [$"{PipelineConfiguration.Worker}:Device"] = options.Device,
            [$"{PipelineConfiguration.Worker}:IdleDelay"] = "00:00:00.500",
        };
        foreach (var (key, value) in options.Settings) settings[key] = value;
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(20));
        if (logging is not null) builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        logging?.Invoke(builder.Logging);

        builder.Services.AddGlimpsePipeline(builder.Configuration).AddGlimpseWorker(builder.Configuration);
        builder.Services.AddSingleton(new JobBlobPollerOptions { Interval = options.PollInterval });
        builder.Services.AddHostedService<JobBlobPoller>();
        // On Storage Queues the completion queue is read here; on Service Bus the caller subscribes to the topic itself.
        if (builder.Configuration[$"{PipelineConfiguration.Transport}:Kind"] == nameof(TransportKind.StorageQueues))
            builder.Services.AddHostedService(sp => new CompletionListener(
                new StorageCompletionReader(sp.GetRequiredService<QueueServiceClient>().GetQueueClient(sp.GetRequiredService<StorageQueueTransportOptions>().CompletionQueueName)),
                onCompletion, sp.GetRequiredService<ILogger<CompletionListener>>()));
        // Audits tick on an interval here; in Azure the audit Function's timer does it.
        builder.Services.AddSingleton(builder.Configuration.GetSection(PipelineConfiguration.Audits).Get<LocalAuditOptions>() ?? new LocalAuditOptions());
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddHostedService<LocalAuditService>();
        options.ConfigureServices?.Invoke(builder.Services);

        var host = builder.Build();
        try
        {
            // Ingest validates model ids against the worker's catalog, so the catalog is ready before the poller starts.
            await host.Services.GetRequiredService<WorkerModels>().PrepareAsync(warm: true, cancellationToken).ConfigureAwait(false);
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            host.Dispose();
            throw;
        }
        return new LocalPipeline(host);
    }

    /// <summary>Stops every part; a job in flight is abandoned for redelivery.</summary>
    public Task StopAsync(CancellationToken cancellationToken) => _host.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_host is IAsyncDisposable disposable) await disposable.DisposeAsync().ConfigureAwait(false);
        else _host.Dispose();
    }
}

/// <summary>The local completion subscription: takes events off the completion queue and hands each to a callback.</summary>
public sealed partial class CompletionListener(StorageCompletionReader reader, Func<CompletionEvent, Task> onCompletion, ILogger<CompletionListener> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var errors = new List<string>();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var events = await reader.ReadAsync(16, errors, stoppingToken).ConfigureAwait(false);
                foreach (string error in errors) LogNotAnEvent(logger, error);
                errors.Clear();
                foreach (var completion in events) await onCompletion(completion).ConfigureAwait(false);
                if (events.Count == 0) await Task.Delay(TimeSpan.FromMilliseconds(500), stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (TransientFailures.IsTransient(e))
            {
                LogReadFailed(logger, e);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Completion queue: {Error}; deleted")]
    private static partial void LogNotAnEvent(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading completion events failed; trying again")]
    private static partial void LogReadFailed(ILogger logger, Exception exception);
}
