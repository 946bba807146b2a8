namespace Glimpse.Core.Validation;

/// <summary>
/// The manifest's <c>image</c>: a blob name relative to the job folder. Letters, digits, '.', '_', '-' and '/' only,
/// so a name is the same in a URL, a file system and a log line; no '.' or '..' segments, so it cannot leave the folder.
/// </summary>
public static class ImageNameRules
{
    public const int MaxChars = 256;

    /// <summary>What is wrong with the name, or null when it is a valid image name.</summary>
    public static string? Problem(string name)
    {
        if (name.Length == 0) return "image is empty; it names the image blob relative to the job folder, e.g. \"image.png\"";
        if (name.Length > MaxChars) return $"image is {name.Length} characters long; the limit is {MaxChars}";
        if (name.Any(char.IsControl)) return "image contains a control character";
        if (name.Contains('\\')) return "image contains '\\'; blob names separate folders with '/'";
        if (name.StartsWith('/')) return "image must be relative to the job folder, without a leading '/'";
        var segments = name.Split('/');
        if (segments.Any(s => s is "." or "..")) return "image contains a '.' or '..' segment; it must stay inside the job folder";
        if (segments.Any(s => s.Length == 0)) return "image contains an empty path segment ('//' or a trailing '/')";
        if (!name.All(IsAllowed)) return "image may contain only letters, digits, '.', '_', '-' and '/'";
        if (name == Contracts.BlobLayout.ManifestFileName) return "image names the manifest itself";
        return null;
    }

    private static bool IsAllowed(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '/';
}
