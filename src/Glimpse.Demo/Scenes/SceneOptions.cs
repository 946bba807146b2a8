namespace Glimpse.Demo.Scenes;

/// <summary>How scenes look. The defaults are what the demo model was trained on.</summary>
public sealed record SceneOptions
{
    /// <summary>128 px: with the demo model's 32 px patches, a 4 × 4 grid of image tokens.</summary>
    public int Width { get; init; } = 128;
    public int Height { get; init; } = 128;
    /// <summary>
    /// Objects sit one to a cell of this grid (the model's patch size), at a random size and offset inside the cell.
    /// A small vision transformer trained for minutes learns shapes it sees whole in one patch; shapes cut across
    /// patches at random take it far longer.
    /// </summary>
    public int CellSize { get; init; } = 32;
    /// <summary>Objects per scene, 1 to this (relation questions need two).</summary>
    public int MaxObjects { get; init; } = 4;
    /// <summary>Probability that a scene gets grey background strokes.</summary>
    public double ClutterProbability { get; init; } = 0.5;

    public int Columns => Width / CellSize;
    public int Rows => Height / CellSize;

    /// <summary>
    /// The scenes a model folder reads as it was trained: drawn at the vision tower's input size (config.json's
    /// vision_config.image_size) with one object to a patch (vision_config.patch_size), where the patches are at least
    /// 16 px and the grid 2 to 16 patches a side, as in the models <c>glimpse train-demo</c> makes. Any other model (a
    /// real checkpoint with 14 px patches, a folder without a vision_config) gets the default scenes, which its processor
    /// resizes.
    /// </summary>
    public static SceneOptions ForModel(string modelDirectory)
    {
        var defaults = new SceneOptions();
        string path = Path.Combine(modelDirectory, "config.json");
        if (!File.Exists(path)) return defaults;
        try
        {
            var vision = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))?["vision_config"];
            if (vision?["image_size"]?.GetValue<int>() is not int size || vision["patch_size"]?.GetValue<int>() is not int patch) return defaults;
            if (patch < 16 || size % patch != 0 || size / patch is < 2 or > 16) return defaults;
            return defaults with { Width = size, Height = size, CellSize = patch };
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or FormatException)
        {
            return defaults;
        }
    }

    public void Validate()
    {
        if (CellSize < 8) throw new ArgumentOutOfRangeException(nameof(CellSize), CellSize, "cells need at least 8 pixels");
        if (Columns < 2 || Rows < 2) throw new ArgumentOutOfRangeException(nameof(Width), $"a {Width} × {Height} scene holds fewer than 2 × 2 cells of {CellSize} px");
        if (MaxObjects is < 2 or > 4) throw new ArgumentOutOfRangeException(nameof(MaxObjects), MaxObjects, "must be 2 to 4");
        if (ClutterProbability is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(ClutterProbability), ClutterProbability, "must be in [0, 1]");
    }
}
