using System.Text.RegularExpressions;
using Glimpse.Model;

namespace Glimpse.Pipeline.Models;

/// <summary>
/// Models from a mounted folder: every subfolder holding a <c>config.json</c> is a model whose id is the folder's name
/// (lower-case letters, digits, '.', '_' and '-'; other folders are not offered). The folder is listed once, at
/// construction; a model is opened on the first job that asks for it in a precision (float32 unless the job's options say
/// otherwise) and stays open in that precision until the catalog is disposed.
/// </summary>
public sealed partial class FolderModelCatalog : IModelCatalog, IDisposable
{
    private readonly Dictionary<string, string> _folders;
    private readonly Dictionary<(string ModelId, ModelPrecision Precision), VisionLanguageRuntime> _open = [];
    private readonly SemaphoreSlim _loading = new(1, 1);
    private readonly ModelLoadOptions _loadOptions;

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$")]
    private static partial Regex ModelIdRegex();

    /// <summary>Whether <paramref name="modelId"/> can name a model (and so a folder) in a catalog.</summary>
    public static bool IsValidModelId(string? modelId) => modelId is not null && ModelIdRegex().IsMatch(modelId);

    public FolderModelCatalog(string root, ModelLoadOptions? loadOptions = null)
    {
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"The model folder '{root}' does not exist.");
        _loadOptions = loadOptions ?? new ModelLoadOptions();
        _folders = Directory.EnumerateDirectories(root)
            .Where(dir => File.Exists(Path.Combine(dir, "config.json")) && ModelIdRegex().IsMatch(Path.GetFileName(dir)))
            .ToDictionary(dir => Path.GetFileName(dir), dir => dir, StringComparer.Ordinal);
    }

    public IReadOnlyCollection<string> ModelIds => _folders.Keys;

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
