namespace Glimpse.Demo.Scenes;

/// <summary>How scenes look. The defaults are what the demo model was trained on.</summary>
public sealed record SceneOptions
{
    /// <summary>96 px, with the demo model's 12 px patches, gives an 8 × 8 grid of image tokens.</summary>
    public int Width { get; init; } = 96;
    public int Height { get; init; } = 96;
    /// <summary>Objects per scene, 1 to this (relation questions need two).</summary>
    public int MaxObjects { get; init; } = 4;
    /// <summary>Probability that a scene gets grey background strokes.</summary>
    public double ClutterProbability { get; init; } = 0.5;

    public void Validate()
    {
        if (Width < 32 || Height < 32) throw new ArgumentOutOfRangeException(nameof(Width), $"scenes need at least 32 × 32 pixels, got {Width} × {Height}");
        if (MaxObjects is < 2 or > 4) throw new ArgumentOutOfRangeException(nameof(MaxObjects), MaxObjects, "must be 2 to 4");
        if (ClutterProbability is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(ClutterProbability), ClutterProbability, "must be in [0, 1]");
    }
}
