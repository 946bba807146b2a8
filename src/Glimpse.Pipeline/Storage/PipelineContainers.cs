using Azure.Storage.Blobs;
using Glimpse.Core.Contracts;

namespace Glimpse.Pipeline.Storage;

/// <summary>The pipeline's blob containers (<see cref="BlobLayout"/>).</summary>
public static class PipelineContainers
{
    public static IReadOnlyList<string> All { get; } =
        [BlobLayout.JobsContainer, BlobLayout.ResultsContainer, BlobLayout.AuditsContainer, BlobLayout.ModelsContainer];

    /// <summary>Creates the containers where missing (private access); deployments create them in their templates.</summary>
    public static async Task EnsureCreatedAsync(BlobServiceClient service, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(service);
        foreach (string name in All)
            await service.GetBlobContainerClient(name).CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
