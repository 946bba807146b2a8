using Glimpse.Core.Images;
using Glimpse.Core.Methods;
using Glimpse.Core.Results;

namespace Glimpse.Core.Rendering;

/// <summary>
/// Composes one map over the <b>original</b> image from a map over image tokens laid out on any number of grids
/// (<see cref="ImageTokenLayout"/>), by a rule that keeps relevance comparable across grids:
/// <list type="number">
/// <item>Each placed token's value is spread as a density over its cell's area on the original image, clipped to the
/// image: density = value / clipped area. A cell wholly in padding has no area there and contributes nothing.</item>
/// <item>The densities of all grids covering a pixel are summed. The composed map therefore integrates, over the
/// original, to the total value of the placed tokens, however the image was tiled: a token of a coarse grid that
/// covers four tokens of a finer one spreads its value four times as thin.</item>
/// <item>Unplaced tokens (no cell: LLaVA's CLS, row-end newlines) are never drawn.</item>
/// </list>
/// Two forms are computed from it:
/// <list type="bullet">
/// <item><see cref="BoxIntegral"/>: the exact integral of the piecewise-constant densities over each cell of a W × H
/// grid laid evenly over the original: result.json's <c>image_map</c>. Its cells sum to the placed tokens' total
/// (less what lies wholly in padding).</item>
/// <item><see cref="Field"/>: the display form, for overlays. Each grid's densities are interpolated bilinearly in the
/// grid's own cell coordinates (token (r, c) has its centre at (c, r), clamped at the grid's edges, nothing outside the
/// grid's extent), then summed over the grids that cover the pixel; a pixel no grid covers is unseen. Interpolation
/// smooths the blocks for the eye; it does not keep the integral exactly, which is why the numbers come from the box
/// integral. One grid can be shown alone (<c>onlyGrid</c>).</item>
/// </list>
/// Densities are expressed per <see cref="UnitArea"/> (the area on the original of one cell of the finest grid), so
/// for a single grid over an unpadded input the field at a cell's centre is the token's own value, as the maps were
/// drawn before layouts existed.
/// </summary>
public static class MapComposer
{
    /// <summary>The most cells <see cref="ComposedSize"/> gives either side, so result.json stays small for huge tilings.</summary>
    public const int MaxComposedSide = 256;

    /// <summary>The rule, as result.json states it next to the composed map.</summary>
    public const string Rule =
        "each placed image token's value spread uniformly over its cell's area on the original image (clipped to the image), "
        + "densities of all grids summed, integrated over each of width x height equal cells over the original; "
        + "the cells sum to the placed tokens' total value";

    /// <summary>The area, in original pixels², of one cell of the grid whose cells are smallest on the original.</summary>
    public static double UnitArea(ImageTokenLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        return layout.Grids.Min(g => g.CellOnOriginal(0, 0) is var cell ? cell.Width * cell.Height : 0);
    }

    /// <summary>
    /// The W × H grid result.json's composed map uses: cells about as large on the original as the finest grid's
    /// (so a single grid keeps its resolution), at most <see cref="MaxComposedSide"/> a side.
    /// </summary>
    public static (int Width, int Height) ComposedSize(ImageTokenLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        double side = layout.Grids.Min(g => g.CellOnOriginal(0, 0) is var cell ? Math.Min(cell.Width, cell.Height) : 0);
        var original = layout.Original;
        int Cells(int pixels) => Math.Clamp((int)Math.Ceiling(pixels / side - 1e-9), 1, MaxComposedSide);
        return (Cells(original.Width), Cells(original.Height));
    }

    /// <summary>
    /// The composed map integrated over each cell of a <paramref name="width"/> × <paramref name="height"/> grid laid
    /// evenly over the original image, row-major: the relevance each cell holds.
    /// </summary>
    public static double[] BoxIntegral(ImageTokenMap map, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        var original = map.Layout.Original;
        var cells = new double[width * height];
        for (int g = 0; g < map.Layout.Grids.Count; g++)
        {
            var extent = GridExtent.Of(map.Layout.Grids[g]);
            var columns = extent.Columns.Select(c => Overlaps(c, original.Width, width)).ToArray();
            var rows = extent.Rows.Select(r => Overlaps(r, original.Height, height)).ToArray();
            double[] density = extent.Densities(map.GridValues(g));
            for (int r = 0; r < rows.Length; r++)
                for (int c = 0; c < columns.Length; c++)
                {
                    double d = density[r * columns.Length + c];
                    if (d == 0) continue;
                    foreach (var (row, dy) in rows[r])
                        foreach (var (column, dx) in columns[c])
                            cells[row * width + column] += d * dx * dy;
                }
        }
        return cells;
    }

    /// <summary>The display form of the composed map (or of grid <paramref name="onlyGrid"/> alone).</summary>
    public static ComposedField Field(ImageTokenMap map, int? onlyGrid = null)
    {
        ArgumentNullException.ThrowIfNull(map);
        var layout = map.Layout;
        if (onlyGrid is { } only && (uint)only >= (uint)layout.Grids.Count)
            throw new ArgumentOutOfRangeException(nameof(onlyGrid), only, $"the layout has {layout.Grids.Count} grids");
        double unit = UnitArea(layout);
        var grids = Enumerable.Range(0, layout.Grids.Count)
            .Where(g => onlyGrid is null || onlyGrid == g)
            .Select(g =>
            {
                var grid = layout.Grids[g];
                double[] densities = GridExtent.Of(grid).Densities(map.GridValues(g));
                return new FieldGrid(grid, densities.Select(d => d * unit).ToArray());
            })
            .ToArray();
        return new ComposedField(layout.Original, grids);
    }

    /// <summary>For an interval [start, end) of original pixels clipped to [0, pixels): the cells of <paramref name="cells"/>
    /// equal cells it overlaps, and by how much.</summary>
    private static List<(int Cell, double Length)> Overlaps((double Start, double End) interval, int pixels, int cells)
    {
        var overlaps = new List<(int, double)>();
        double size = (double)pixels / cells;
        double start = Math.Max(interval.Start, 0), end = Math.Min(interval.End, pixels);
        if (!(end > start)) return overlaps;
        int first = Math.Clamp((int)Math.Floor(start / size), 0, cells - 1), last = Math.Clamp((int)Math.Ceiling(end / size) - 1, 0, cells - 1);
        for (int cell = first; cell <= last; cell++)
        {
            double length = Math.Min(end, (cell + 1) * size) - Math.Max(start, cell * size);
            if (length > 0) overlaps.Add((cell, length));
        }
        return overlaps;
    }

    /// <summary>A grid's columns and rows as intervals of the original (unclipped): the geometry is affine per axis, so a
    /// cell's region is its column's interval × its row's.</summary>
    private sealed record GridExtent((double Start, double End)[] Columns, (double Start, double End)[] Rows, PixelSize Original)
    {
        public static GridExtent Of(TokenGrid grid) => new(
            Enumerable.Range(0, grid.Columns).Select(c => grid.CellOnOriginal(0, c) is var cell ? (cell.Left, cell.Right) : default).ToArray(),
            Enumerable.Range(0, grid.Rows).Select(r => grid.CellOnOriginal(r, 0) is var cell ? (cell.Top, cell.Bottom) : default).ToArray(),
            grid.Geometry.Original);

        /// <summary>Each cell's value over its area on the original (clipped to the image), row-major; 0 for a cell wholly in padding.</summary>
        public double[] Densities(double[] values)
        {
            var densities = new double[values.Length];
            for (int r = 0; r < Rows.Length; r++)
            {
                double height = Clipped(Rows[r], Original.Height);
                for (int c = 0; c < Columns.Length; c++)
                {
                    double area = height * Clipped(Columns[c], Original.Width);
                    densities[r * Columns.Length + c] = area > 0 ? values[r * Columns.Length + c] / area : 0;
                }
            }
            return densities;
        }

        private static double Clipped((double Start, double End) interval, int pixels) =>
            Math.Max(0, Math.Min(interval.End, pixels) - Math.Max(interval.Start, 0));
    }
}

/// <summary>One grid of a <see cref="ComposedField"/>: its node values are its cells' densities in unit areas.</summary>
internal sealed record FieldGrid(TokenGrid Grid, double[] Nodes);

/// <summary>
/// The display form of a composed map (see <see cref="MapComposer"/>): the sum over grids of each grid's densities
/// interpolated bilinearly in its own cell coordinates. Colours are fitted (<see cref="Normalizer"/>) on the field's
/// values at the centres of the placed cells that lie on the original, which for a single grid are its tokens'
/// densities themselves.
/// </summary>
public sealed class ComposedField
{
    private readonly PixelSize _original;
    private readonly FieldGrid[] _grids;

    internal ComposedField(PixelSize original, FieldGrid[] grids)
    {
        _original = original;
        _grids = grids;
        CellCentreValues = grids.SelectMany(g => CellCentres(g.Grid))
            .Where(p => p.X >= 0 && p.X < original.Width && p.Y >= 0 && p.Y < original.Height)
            .Select(ValueAt)
            .ToArray();
    }

    /// <summary>The field at the centre of every placed cell that lies on the original (the samples colours are fitted on).</summary>
    public double[] CellCentreValues { get; }

    /// <summary>The raw values the colour bar's two ends stand for.</summary>
    public (double Low, double High) ValueRange(MapNormalization mode) => MapNormalizer.ValueRange(CellCentreValues, mode);

    /// <summary>Field value → colour position in [0, 1].</summary>
    public Func<double, double> Normalizer(MapNormalization mode) => MapNormalizer.Fit(CellCentreValues, mode);

    /// <summary>The field at a point of the original image (0 where no grid covers it).</summary>
    public double ValueAt(ImagePoint original)
    {
        double sum = 0;
        foreach (var grid in _grids)
        {
            var input = grid.Grid.Geometry.MapToModelInput(original);
            var x = AxisPosition.Of(input.X, grid.Grid.Columns, grid.Grid.CellSize);
            var y = AxisPosition.Of(input.Y, grid.Grid.Rows, grid.Grid.CellSize);
            if (x.Seen && y.Seen) sum += Bilinear(grid, x, y);
        }
        return sum;
    }

    /// <summary>Reads the field at the pixels of an image of size <paramref name="target"/> spanning the whole original.</summary>
    internal FieldSampler Sampler(PixelSize target) => new(target, _original, _grids);

    internal static double Bilinear(FieldGrid grid, AxisPosition x, AxisPosition y)
    {
        int columns = grid.Grid.Columns, top = y.Lower * columns, bottom = y.Upper * columns;
        double[] v = grid.Nodes;
        double upper = v[top + x.Lower] + x.UpperWeight * (v[top + x.Upper] - v[top + x.Lower]);
        double lower = v[bottom + x.Lower] + x.UpperWeight * (v[bottom + x.Upper] - v[bottom + x.Lower]);
        return upper + y.UpperWeight * (lower - upper);
    }

    private static IEnumerable<ImagePoint> CellCentres(TokenGrid grid) =>
        from r in Enumerable.Range(0, grid.Rows)
        from c in Enumerable.Range(0, grid.Columns)
        select grid.Geometry.MapToOriginal(new ImagePoint((c + 0.5) * grid.CellSize, (r + 0.5) * grid.CellSize));
}

/// <summary>
/// Where a coordinate of a grid's input image falls among its cells along one axis: whether the grid covers it, and
/// the two cells and weight to interpolate between (cell i has its centre at (i + 0.5) · cellSize; clamped at the edges).
/// </summary>
internal readonly record struct AxisPosition(bool Seen, int Lower, int Upper, double UpperWeight)
{
    public static AxisPosition Of(double input, int cells, int cellSize)
    {
        if (!(input >= 0 && input < cells * cellSize)) return default;
        double grid = Math.Clamp(input / cellSize - 0.5, 0, cells - 1);
        int lower = (int)grid;
        return new AxisPosition(true, lower, Math.Min(lower + 1, cells - 1), grid - lower);
    }
}

/// <summary>
/// Reads a <see cref="ComposedField"/> at the pixels of an image that covers the original (the original itself, or a
/// scaled copy): a pixel's centre is mapped to original coordinates, then into each grid's input. The geometry is an
/// affine map per axis, so every column and every row is worked out once per grid, which keeps a 4000 × 3000 original fast.
/// </summary>
internal sealed class FieldSampler
{
    private readonly FieldGrid[] _grids;
    private readonly AxisPosition[][] _columns, _rows;
    private readonly bool[] _rowSeen;

    public FieldSampler(PixelSize target, PixelSize original, FieldGrid[] grids)
    {
        _grids = grids;
        double scaleX = (double)original.Width / target.Width, scaleY = (double)original.Height / target.Height;
        _columns = grids.Select(g => Enumerable.Range(0, target.Width).Select(i => AxisPosition.Of(
            g.Grid.Geometry.MapToModelInput(new ImagePoint((i + 0.5) * scaleX, 0)).X, g.Grid.Columns, g.Grid.CellSize)).ToArray()).ToArray();
        _rows = grids.Select(g => Enumerable.Range(0, target.Height).Select(i => AxisPosition.Of(
            g.Grid.Geometry.MapToModelInput(new ImagePoint(0, (i + 0.5) * scaleY)).Y, g.Grid.Rows, g.Grid.CellSize)).ToArray()).ToArray();
        _rowSeen = Enumerable.Range(0, target.Height).Select(y => _rows.Any(rows => rows[y].Seen)).ToArray();
    }

    public bool RowSeen(int y) => _rowSeen[y];

    /// <summary>The field at pixel (x, y), or false where no grid covers that pixel.</summary>
    public bool TrySample(int x, int y, out double value)
    {
        value = 0;
        bool seen = false;
        for (int g = 0; g < _grids.Length; g++)
        {
            var column = _columns[g][x];
            var row = _rows[g][y];
            if (!column.Seen || !row.Seen) continue;
            value += ComposedField.Bilinear(_grids[g], column, row);
            seen = true;
        }
        return seen;
    }
}
