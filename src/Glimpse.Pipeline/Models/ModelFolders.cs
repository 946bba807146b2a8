using System.Text.RegularExpressions;

namespace Glimpse.Pipeline.Models;

/// <summary>
/// How a models folder names its models, without opening any: every subfolder holding a <c>config.json</c> whose name
/// is a model id (lower-case letters, digits, '.', '_' and '-', at most 64) is a model. Ingest lists ids with it; the
/// worker's catalog opens the same folders.
/// </summary>
public static partial class ModelFolders
{
    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$")]
    private static partial Regex ModelIdRegex();

    /// <summary>Whether <paramref name="modelId"/> can name a model (and so a folder).</summary>
    public static bool IsValidModelId(string? modelId) => modelId is not null && ModelIdRegex().IsMatch(modelId);

    /// <summary>The models under <paramref name="root"/>: id → folder.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public static IReadOnlyDictionary<string, string> List(string root)
    {
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"The model folder '{root}' does not exist.");
        return Directory.EnumerateDirectories(root)
            .Where(dir => File.Exists(Path.Combine(dir, "config.json")) && IsValidModelId(Path.GetFileName(dir)))
            .ToDictionary(dir => Path.GetFileName(dir), dir => dir, StringComparer.Ordinal);
    }
}

/// <summary>
/// The model ids this process can run, when it runs models itself (<c>glimpse local</c>, where ingest and the worker
/// share one host): ingest then accepts exactly the worker's catalog.
/// </summary>
public interface IKnownModelIds
{
    IReadOnlyCollection<string> ModelIds { get; }
}
