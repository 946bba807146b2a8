using Azure.Storage.Blobs;
using Glimpse.Pipeline.Handlers;
using Microsoft.Azure.Functions.Worker;

namespace Glimpse.Functions;

/// <summary>
/// Ingest: a manifest's arrival (<c>glimpse-jobs/jobs/{jobId}/job.json</c>, delivered by Event Grid, as the Functions
/// guidance recommends for blob triggers) is handed to <see cref="IngestHandler"/>, which validates the job, records its
/// status and sends the work message on the configured transport. The trigger binds a <see cref="BlobClient"/>, not the
/// content: the handler reads only as many bytes as its limits allow.
/// </summary>
public sealed class IngestFunction(IngestHandler ingest)
{
    public const string Name = "Ingest";

    [Function(Name)]
    public async Task<IngestOutcome> RunAsync(
        [BlobTrigger("glimpse-jobs/jobs/{jobId}/job.json", Source = BlobTriggerSource.EventGrid, Connection = FunctionSettings.StorageConnection)]
        BlobClient manifest,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        // Transient storage or bus failures throw, so the trigger retries the event; a bad job is an outcome, not an error.
        return await ingest.HandleAsync(manifest.Name, cancellationToken).ConfigureAwait(false);
    }
}
