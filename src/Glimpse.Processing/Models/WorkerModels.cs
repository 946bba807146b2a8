using Glimpse.Model;
using Glimpse.Pipeline.Models;
using Microsoft.Extensions.Logging;

namespace Glimpse.Processing.Models;

/// <summary>
/// The worker's model catalog, opened once per process and kept warm: from the mounted folder, or from the local
/// cache after the models container was downloaded into it (<see cref="BlobModelDownloader"/>). Preparing is async
/// (a download may take minutes), so hosts call <see cref="PrepareAsync"/> before the worker loop asks for
/// <see cref="Catalog"/>.
/// </summary>
public sealed partial class WorkerModels(ModelSourceOptions options, BlobModelDownloader downloader, ModelLoadOptions loadOptions,
    ILogger<WorkerModels> logger) : IKnownModelIds, IDisposable
{
    private FolderModelCatalog? _catalog;

    public IModelCatalog Catalog => _catalog ?? throw new InvalidOperationException($"{nameof(WorkerModels)}.{nameof(PrepareAsync)} has not run.");

    /// <summary>Opens the catalog (downloading models first when they come from the container); a second call does nothing.</summary>
    /// <param name="warm">Also load every model now, so the first job does not pay for it.</param>
    public async Task<IModelCatalog> PrepareAsync(bool warm, CancellationToken cancellationToken)
    {
        if (_catalog is { } ready) return ready;
        string folder = string.IsNullOrEmpty(options.Folder)
            ? await downloader.EnsureAllAsync(cancellationToken).ConfigureAwait(false)
            : options.Folder;
        var catalog = new FolderModelCatalog(folder, loadOptions);
        if (catalog.ModelIds.Count == 0) LogNoModels(logger, folder);
        if (warm)
            foreach (string id in catalog.ModelIds.Order(StringComparer.Ordinal))
            {
                try
                {
                    await catalog.GetAsync(id, cancellationToken).ConfigureAwait(false);
                }
                catch (ModelLoadException e)
                {
                    // One folder the runtime cannot open (an unsupported family, a broken checkpoint) must not stop the
                    // worker serving the others; its jobs fail with this same reason, since a failed load is retried.
                    LogModelUnusable(logger, id, folder, e.Message);
                }
            }
        LogReady(logger, folder, string.Join(", ", catalog.ModelIds.Order(StringComparer.Ordinal)), loadOptions.Device);
        _catalog = catalog;
        return catalog;
    }

    /// <summary>The catalog's ids (the catalog must be prepared).</summary>
    public IReadOnlyCollection<string> ModelIds => Catalog.ModelIds;

    public void Dispose() => _catalog?.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "No models in {Folder}: every job will be rejected as naming an unknown model")]
    private static partial void LogNoModels(ILogger logger, string folder);

    [LoggerMessage(Level = LogLevel.Error, Message = "Model {ModelId} in {Folder} cannot be opened, its jobs will fail: {Reason}")]
    private static partial void LogModelUnusable(ILogger logger, string modelId, string folder, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Models from {Folder}: {ModelIds} (device {Device})")]
    private static partial void LogReady(ILogger logger, string folder, string modelIds, string device);
}
