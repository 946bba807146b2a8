namespace Glimpse.Model.Tests.Processing;

/// <summary>A throw-away model folder holding only a preprocessor_config.json.</summary>
internal sealed class TemporaryModelFolder : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"glimpse-model-{Guid.NewGuid():N}");

    public TemporaryModelFolder(string? preprocessorConfigJson)
    {
        Directory.CreateDirectory(Path);
        if (preprocessorConfigJson is not null)
            File.WriteAllText(ConfigPath, preprocessorConfigJson);
    }

    public string ConfigPath => System.IO.Path.Combine(Path, "preprocessor_config.json");

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
