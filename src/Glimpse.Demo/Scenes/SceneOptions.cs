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

    public void Validate()
    {
        if (CellSize < 8) throw new ArgumentOutOfRangeException(nameof(CellSize), CellSize, "cells need at least 8 pixels");
        if (Columns < 2 || Rows < 2) throw new ArgumentOutOfRangeException(nameof(Width), $"a {Width} × {Height} scene holds fewer than 2 × 2 cells of {CellSize} px");
        if (MaxObjects is < 2 or > 4) throw new ArgumentOutOfRangeException(nameof(MaxObjects), MaxObjects, "must be 2 to 4");
        if (ClutterProbability is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(ClutterProbability), ClutterProbability, "must be in [0, 1]");
    }
}
