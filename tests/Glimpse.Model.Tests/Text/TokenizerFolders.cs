using System.Text.Json.Nodes;

namespace Glimpse.Model.Tests.Text;

/// <summary>Tokenizer folders for the tests: the reference set's word-level ones, and small ones written on the spot.</summary>
internal static class TokenizerFolders
{
    public static string Llava => Path.Combine(ReferenceSet.Root, "llava_tiny");
    public static string Qwen2VL => Path.Combine(ReferenceSet.Root, "qwen2vl_tiny");
}

/// <summary>A temporary folder, deleted on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("glimpse-text-test-").FullName;

    public void Write(string fileName, string content) => File.WriteAllText(System.IO.Path.Combine(Path, fileName), content);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
