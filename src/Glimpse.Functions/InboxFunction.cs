using Azure.Storage.Blobs;
using Glimpse.Pipeline.Handlers;
using Microsoft.Azure.Functions.Worker;

namespace Glimpse.Functions;

/// <summary>
/// The one-blob shortcut: an image uploaded under <c>glimpse-jobs/inbox/</c> with a <c>prompt</c> in its metadata
/// becomes a job (<see cref="InboxHandler"/> writes its folder and manifest, and the manifest then triggers
/// <see cref="IngestFunction"/>).
/// </summary>
public sealed class InboxFunction(InboxHandler inbox)
{
    public const string Name = "Inbox";

    [Function(Name)]
    public async Task<InboxOutcome> RunAsync(
        [BlobTrigger("glimpse-jobs/inbox/{name}", Source = BlobTriggerSource.EventGrid, Connection = FunctionSettings.StorageConnection)]
        BlobClient image,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        return await inbox.HandleAsync(image.Name, cancellationToken).ConfigureAwait(false);
    }
}
