namespace Glimpse.Model;

/// <summary>
/// A model folder that cannot be used: a missing or malformed file, a missing or mis-shaped tensor, an unsupported
/// architecture. The message names the file and, where there is one, the key.
/// </summary>
public sealed class ModelLoadException : Exception
{
    public ModelLoadException(string message) : base(message) { }
    public ModelLoadException(string message, Exception inner) : base(message, inner) { }
}
