using System.Text.RegularExpressions;
using Glimpse.Model;

namespace Glimpse.Pipeline.Models;

/// <summary>
/// Models from a mounted folder: every subfolder holding a <c>config.json</c> is a model whose id is the folder's name
/// (lower-case letters, digits, '.', '_' and '-'; other folders are not offered). The folder is listed once, at
/// construction; a model is opened on its first job and stays open until the catalog is disposed.
/// </summary>
public sealed partial class FolderModelCatalog : IModelCatalog, IDisposable
{
    private readonly Dictionary<string, string> _folders;
    private readonly Dictionary<string, VisionLanguageRuntime> _open = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _loading = new(1, 1);
    private readonly ModelLoadOptions _loadOptions;

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$")]
    private static partial Regex ModelIdRegex();

    public FolderModelCatalog(string root, ModelLoadOptions? loadOptions = null)
    {
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"The model folder '{root}' does not exist.");
        _loadOptions = loadOptions ?? new ModelLoadOptions();
        _folders = Directory.EnumerateDirectories(root)
            .Where(dir => File.Exists(Path.Combine(dir, "config.json")) && ModelIdRegex().IsMatch(Path.GetFileName(dir)))
            .ToDictionary(dir => Path.GetFileName(dir), dir => dir, StringComparer.Ordinal);
    }

    public IReadOnlyCollection<string> ModelIds => _folders.Keys;

    public async Task<VisionLanguageRuntime> GetAsync(string modelId, CancellationToken cancellationToken)
    {
        if (!_folders.TryGetValue(modelId, out string? folder))
            throw new ArgumentException($"Model '{modelId}' is not in the catalog; known: {string.Join(", ", _folders.Keys.Order())}.", nameof(modelId));
        // One load at a time: two jobs asking for a cold model wait for one load instead of loading it twice.
        await _loading.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_open.TryGetValue(modelId, out var runtime)) return runtime;
            // A failed load is not remembered, so a later job tries again (the mount may not have been ready).
            runtime = await Task.Run(() => VisionLanguageRuntime.Open(folder, _loadOptions), cancellationToken).ConfigureAwait(false);
            _open[modelId] = runtime;
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
