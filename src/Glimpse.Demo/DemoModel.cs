namespace Glimpse.Demo;

/// <summary>
/// The trained demo model that ships with Glimpse (src/Glimpse.Demo/DemoModel, copied beside the binaries as
/// demo-model/): the default whenever no model folder is given.
/// </summary>
public static class DemoModel
{
    public const string OutputFolderName = "demo-model";

    /// <summary>The folder beside the running assembly, else the one in the source tree above it.</summary>
    public static string Directory => Locate() ?? throw new DirectoryNotFoundException(
        $"The demo model is neither in '{Path.Combine(AppContext.BaseDirectory, OutputFolderName)}' nor in src/Glimpse.Demo/DemoModel above it; " +
        "rebuild, or pass a model folder.");

    private static string? Locate()
    {
        string beside = Path.Combine(AppContext.BaseDirectory, OutputFolderName);
        if (IsModelFolder(beside)) return beside;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string source = Path.Combine(dir.FullName, "src", "Glimpse.Demo", "DemoModel");
            if (IsModelFolder(source)) return source;
        }
        return null;
    }

    private static bool IsModelFolder(string dir) =>
        File.Exists(Path.Combine(dir, "config.json")) && File.Exists(Path.Combine(dir, ModelFiles.DemoCheckpoint.WeightsFile));
}
