
namespace Glimpse.Core.Images;

/// <summary>
/// An image could not be decoded: empty, truncated, corrupt, of an unknown format, or too large to hold in memory.
/// The message names the input (a path, or the size of the buffer) so that a user can tell which one failed.
/// </summary>
public sealed class ImageDecodeException : Exception
{
    /// <summary>The path or description of the input that failed.</summary>
    public string InputName { get; }

    public ImageDecodeException(string inputName, string reason)
        : base($"Cannot decode image {inputName}: {reason}")
    {
        InputName = inputName;
    }
}
