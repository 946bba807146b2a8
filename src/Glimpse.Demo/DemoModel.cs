namespace Glimpse.Demo;

/// <summary>
/// The trained demo model that ships with Glimpse: the default whenever no model is given. It lives in a models folder
/// of its own (one subfolder per model id, as every models folder in Glimpse), src/Glimpse.Demo/models/glimpse-demo in
/// the source tree and models/glimpse-demo beside the binaries, so the pipeline's hosts serve it as model
/// <see cref="Id"/> with no other set-up.
/// </summary>
public static class DemoModel
{
    /// <summary>The demo model's id in a models folder, and the name of its own folder.</summary>
    public const string Id = "glimpse-demo";
    /// <summary>
    /// The deeper benchmark model's id (192 px scenes, 36 image tokens, 8 decoder layers), in the same models folder; the
    /// small model stays the default.
    /// </summary>
    public const string DeepId = "glimpse-demo-deep";
    /// <summary>The models folder's name beside the binaries and in src/Glimpse.Demo.</summary>
    public const string ModelsFolderName = "models";

    /// <summary>The demo model's folder (config.json, model.safetensors, tokenizer.json, …).</summary>
    public static string Directory => Path.Combine(ModelsFolder, Id);

    /// <summary>The deep benchmark model's folder, beside the default one.</summary>
    public static string DeepDirectory => Path.Combine(ModelsFolder, DeepId);

    /// <summary>The models folder holding it: the one beside the running assembly, else the one in the source tree above it.</summary>
    public static string ModelsFolder => Locate() ?? throw new DirectoryNotFoundException(
        $"The demo model is neither in '{Path.Combine(AppContext.BaseDirectory, ModelsFolderName, Id)}' nor in src/Glimpse.Demo/{ModelsFolderName}/{Id} " +
        "above it; rebuild, or pass a model folder.");

    private static string? Locate()
    {
        string beside = Path.Combine(AppContext.BaseDirectory, ModelsFolderName);
        if (HoldsModel(beside)) return beside;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string source = Path.Combine(dir.FullName, "src", "Glimpse.Demo", ModelsFolderName);
            if (HoldsModel(source)) return source;
        }
        return null;
    }

    private static bool HoldsModel(string modelsFolder) =>
        File.Exists(Path.Combine(modelsFolder, Id, "config.json")) && File.Exists(Path.Combine(modelsFolder, Id, ModelFiles.DemoCheckpoint.WeightsFile));
}
