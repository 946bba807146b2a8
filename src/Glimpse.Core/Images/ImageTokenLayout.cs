
namespace Glimpse.Core.Images;

/// <summary>
/// One grid of image tokens: <see cref="Rows"/> × <see cref="Columns"/> square cells of <see cref="CellSize"/> pixels
/// laid over the top-left corner of the grid's own input image, which <see cref="Geometry"/> lays onto the original
/// image. A single-image model has one grid (the whole model input); a tiled model has one per view of the image
/// (LLaVA-NeXT's base and high-resolution grids, each Idefics3 tile and its global image).
/// </summary>
public sealed record TokenGrid
{
    /// <summary>What the grid is, for people: "image", "base", "high-res", "tile 1,2", "global".</summary>
    public required string Name { get; init; }
    public required int Rows { get; init; }
    public required int Columns { get; init; }
    /// <summary>The side, in pixels of the grid's input image, of the square one token covers.</summary>
    public required int CellSize { get; init; }
    /// <summary>
    /// Which image token fills each cell: <c>Tokens[r · Columns + c]</c> is the token's index among the image tokens of
    /// the prompt (0 … K−1, in sequence order).
    /// </summary>
    public required int[] Tokens { get; init; }
    /// <summary>How the original image became this grid's input image (resize, pad, crop — a tile or an unpadded
    /// region is a crop box).</summary>
    public required ImageGeometry Geometry { get; init; }

    public int CellCount => Rows * Columns;

    /// <summary>The grid's input pixels cell (row, column) covers.</summary>
    public ImageRegion CellOnInput(int row, int column)
    {
        if ((uint)row >= (uint)Rows || (uint)column >= (uint)Columns)
            throw new ArgumentOutOfRangeException(nameof(row), $"cell ({row}, {column}) is outside the {Rows}×{Columns} grid '{Name}'");
        return new ImageRegion(column * CellSize, row * CellSize, (column + 1) * CellSize, (row + 1) * CellSize);
    }

    /// <summary>The region of the original image cell (row, column) covers, before clipping to the image.</summary>
    public ImageRegion CellOnOriginal(int row, int column) => Geometry.MapToOriginal(CellOnInput(row, column));

    /// <summary>The region of the original image the whole grid covers, clipped to the image (null when it covers none).</summary>
    public ImageRegion? RegionOnOriginal() =>
        Geometry.ClipToOriginal(Geometry.MapToOriginal(new ImageRegion(0, 0, Columns * CellSize, Rows * CellSize)));
}

/// <summary>Where one image token sits: grid <see cref="Grid"/>, cell (<see cref="Row"/>, <see cref="Column"/>).</summary>
public readonly record struct TokenCell(int Grid, int Row, int Column);

/// <summary>
/// How a prompt's image tokens (the K tokens the vision tower's features are written into, in sequence order) lie on
/// the image: a list of grids, each cell filled by exactly one token, and the tokens that belong to no cell (LLaVA's
/// CLS with <c>vision_feature_select_strategy: full</c>, LLaVA-NeXT's row-end newline tokens). Every token is in at
/// most one cell. This replaces the "one token grid" assumption: explanations keep one value per image token in
/// sequence order and use the layout to draw them.
/// </summary>
public sealed class ImageTokenLayout
{
    private readonly TokenCell?[] _cells;

    public ImageTokenLayout(int tokenCount, IReadOnlyList<TokenGrid> grids)
    {
        ArgumentNullException.ThrowIfNull(grids);
        if (tokenCount <= 0) throw new ArgumentOutOfRangeException(nameof(tokenCount), $"an image needs at least one image token, got {tokenCount}");
        if (grids.Count == 0) throw new ArgumentException("an image-token layout needs at least one grid", nameof(grids));
        _cells = new TokenCell?[tokenCount];
        for (int g = 0; g < grids.Count; g++)
        {
            var grid = grids[g];
            if (grid.Rows <= 0 || grid.Columns <= 0 || grid.CellSize <= 0)
                throw new ArgumentException($"grid '{grid.Name}' must be non-empty, got {grid.Rows}×{grid.Columns} cells of {grid.CellSize} px", nameof(grids));
            if (grid.Tokens is null || grid.Tokens.Length != grid.CellCount)
                throw new ArgumentException($"grid '{grid.Name}' has {grid.CellCount} cells but {grid.Tokens?.Length ?? 0} tokens", nameof(grids));
            var input = grid.Geometry.ModelInput;
            if (grid.Rows * grid.CellSize > input.Height || grid.Columns * grid.CellSize > input.Width)
                throw new ArgumentException(
                    $"grid '{grid.Name}': {grid.Rows}×{grid.Columns} cells of {grid.CellSize} px do not fit its {input.Width}×{input.Height} input", nameof(grids));
            for (int cell = 0; cell < grid.Tokens.Length; cell++)
            {
                int token = grid.Tokens[cell];
                if ((uint)token >= (uint)tokenCount)
                    throw new ArgumentException($"grid '{grid.Name}' cell {cell} names image token {token}, outside 0…{tokenCount - 1}", nameof(grids));
                if (_cells[token] is { } taken)
                    throw new ArgumentException($"image token {token} fills two cells (grid {taken.Grid} and grid '{grid.Name}')", nameof(grids));
                _cells[token] = new TokenCell(g, cell / grid.Columns, cell % grid.Columns);
            }
        }
        TokenCount = tokenCount;
        Grids = grids.ToArray();
        UnplacedTokens = Enumerable.Range(0, tokenCount).Where(t => _cells[t] is null).ToArray();
    }

    /// <summary>K: the number of image tokens in the prompt.</summary>
    public int TokenCount { get; }
    public IReadOnlyList<TokenGrid> Grids { get; }
    /// <summary>Image tokens (indices 0 … K−1) that belong to no cell, in sequence order.</summary>
    public IReadOnlyList<int> UnplacedTokens { get; }

    /// <summary>The cell image token <paramref name="token"/> fills, or null when it belongs to none.</summary>
    public TokenCell? CellOf(int token) => _cells[token];

    /// <summary>The original image's size (every grid lays onto the same original).</summary>
    public PixelSize Original => Grids[0].Geometry.Original;

    /// <summary>A grid's values, row-major, picked from one value per image token in sequence order.</summary>
    public double[] GridValues(int grid, IReadOnlyList<double> tokenValues)
    {
        if (tokenValues.Count != TokenCount)
            throw new ArgumentException($"{tokenValues.Count} values for {TokenCount} image tokens", nameof(tokenValues));
        return Grids[grid].Tokens.Select(t => tokenValues[t]).ToArray();
    }

    /// <summary>
    /// The common case: one grid over the model input whose cells are the image tokens in row-major order, after
    /// <paramref name="leadingUnplaced"/> tokens that belong to no cell (LLaVA's CLS with "full").
    /// </summary>
    public static ImageTokenLayout SingleGrid(int rows, int columns, int cellSize, ImageGeometry geometry, int leadingUnplaced = 0, string name = "image")
    {
        ArgumentOutOfRangeException.ThrowIfNegative(leadingUnplaced);
        var grid = new TokenGrid
        {
            Name = name, Rows = rows, Columns = columns, CellSize = cellSize, Geometry = geometry,
            Tokens = Enumerable.Range(leadingUnplaced, Math.Max(0, rows * columns)).ToArray(),
        };
        return new ImageTokenLayout(leadingUnplaced + rows * columns, [grid]);
    }

    /// <summary>The same grids with <paramref name="count"/> more tokens in front that belong to no cell.</summary>
    public ImageTokenLayout WithLeadingUnplaced(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count == 0) return this;
        return new ImageTokenLayout(TokenCount + count,
            Grids.Select(g => g with { Tokens = g.Tokens.Select(t => t + count).ToArray() }).ToArray());
    }
}
