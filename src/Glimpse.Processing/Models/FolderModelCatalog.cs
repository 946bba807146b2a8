using Glimpse.Core.Methods;
using Glimpse.Model;
using Glimpse.Pipeline.Models;

namespace Glimpse.Processing.Models;

/// <summary>
/// Models from a mounted folder, named as <see cref="ModelFolders"/> says (a subfolder with a <c>config.json</c>, named by
/// a model id). The folder is listed once, at construction; a model is opened on the first job that asks for it in a
/// precision (float32 unless the job's options say otherwise) and stays open in that precision until the catalog is disposed.
/// </summary>
public sealed class FolderModelCatalog : IModelCatalog, IDisposable
{
    private readonly IReadOnlyDictionary<string, string> _folders;
    private readonly Dictionary<(string ModelId, ModelPrecision Precision), VisionLanguageRuntime> _open = [];
    private readonly SemaphoreSlim _loading = new(1, 1);
    private readonly ModelLoadOptions _loadOptions;

    public FolderModelCatalog(string root, ModelLoadOptions? loadOptions = null)
    {
        _loadOptions = loadOptions ?? new ModelLoadOptions();
        _folders = ModelFolders.List(root);
    }

    public IReadOnlyCollection<string> ModelIds => [.. _folders.Keys];

    public Task<VisionLanguageRuntime> GetAsync(string modelId, CancellationToken cancellationToken) =>
        GetAsync(modelId, ModelPrecision.Float32, cancellationToken);

    public async Task<VisionLanguageRuntime> GetAsync(string modelId, ModelPrecision precision, CancellationToken cancellationToken)
    {
        if (!_folders.TryGetValue(modelId, out string? folder))
            throw new ArgumentException($"Model '{modelId}' is not in the catalog; known: {string.Join(", ", _folders.Keys.Order())}.", nameof(modelId));
        // One load at a time: two jobs asking for a cold model wait for one load instead of loading it twice.
        await _loading.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_open.TryGetValue((modelId, precision), out var runtime)) return runtime;
            // A failed load is not remembered, so a later job tries again (the mount may not have been ready).
            var load = ModelLoadOptions.For(precision, _loadOptions.Device);
            runtime = await Task.Run(() => VisionLanguageRuntime.Open(folder, load), cancellationToken).ConfigureAwait(false);
            _open[(modelId, precision)] = runtime;
            return runtime;
        }
        finally
        {
            _loading.Release();
        }
    }

    public void Dispose()
    {
        foreach (var runtime in _open.Values) runtime.Dispose();
        _open.Clear();
        _loading.Dispose();
    }
}
