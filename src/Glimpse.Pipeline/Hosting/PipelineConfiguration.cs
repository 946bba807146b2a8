using Microsoft.Extensions.Configuration;

namespace Glimpse.Pipeline.Hosting;

/// <summary>
/// The configuration sections every host reads (environment variables spell the ':' as '__', e.g.
/// <c>Glimpse__Transport__Kind</c>). The infrastructure templates set the same names.
/// </summary>
public static class PipelineConfiguration
{
    public const string Root = "Glimpse";
    /// <summary><see cref="Storage.PipelineStorageOptions"/>: ConnectionString, or BlobServiceUri + QueueServiceUri; CreateIfMissing.</summary>
    public const string Storage = "Glimpse:Storage";
    /// <summary><see cref="PipelineTransportOptions"/>: Kind = ServiceBus | StorageQueues.</summary>
    public const string Transport = "Glimpse:Transport";
    /// <summary><see cref="Transport.ServiceBus.ServiceBusTransportOptions"/>.</summary>
    public const string ServiceBus = "Glimpse:ServiceBus";
    /// <summary><see cref="Transport.StorageQueues.StorageQueueTransportOptions"/> (queue names, lock duration).</summary>
    public const string StorageQueues = "Glimpse:StorageQueues";
    /// <summary><see cref="Models.ModelSourceOptions"/>: Folder, or Container + CacheFolder.</summary>
    public const string Models = "Glimpse:Models";
    /// <summary><see cref="Handlers.WorkerLoopOptions"/> and <see cref="WorkerDeviceOptions"/>.</summary>
    public const string Worker = "Glimpse:Worker";
    /// <summary>The job processor's options (MaxDeliveryCount, SettleTimeout), read by the worker's composition.</summary>
    public const string Processor = "Glimpse:Processor";
    /// <summary><see cref="Handlers.InboxOptions"/> (the one-blob shortcut).</summary>
    public const string Inbox = "Glimpse:Inbox";
    /// <summary><see cref="Audits.AuditOptions"/> (DefaultModel, SlotLength, RunTimeout, …) and <see cref="LocalAuditOptions"/>.</summary>
    public const string Audits = "Glimpse:Audits";

    /// <summary>The options class bound from one section; its defaults where the section is absent.</summary>
    public static T Read<T>(IConfiguration configuration, string section) where T : new()
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration.GetSection(section).Get<T>() ?? new T();
    }
}
