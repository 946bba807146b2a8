using Glimpse.Model.Processing;

namespace Glimpse.Explain.Rendering;

/// <summary>
/// Reads a normalised token-grid map at the pixels of an image that covers the original image (the original itself, or
/// a scaled copy for display), by undoing the processor's geometry.
/// <para>
/// A pixel's centre is mapped to original coordinates (scaled), then to model-input coordinates
/// (<see cref="ImageGeometry.MapToModelInput"/>), then to token-grid coordinates, where token (r, c) has its centre at
/// (c, r): g = x / cellSize − 0.5. The map is interpolated bilinearly there, clamped at the grid's edges. Pixels whose
/// centre the model never saw (cropped away, or outside the token grid) have no value.
/// </para>
/// The geometry is an affine map per axis, so every column and every row is worked out once, which keeps a
/// 4000 × 3000 original fast.
/// </summary>
internal sealed class TokenGridSampler
{
    private readonly double[] _values;
    private readonly int _gridWidth;
    private readonly AxisSamples _columns, _rows;

    /// <param name="target">The size of the image being coloured; it spans the whole original.</param>
    /// <param name="normalized">The map's values, already normalised, row-major over the map's grid.</param>
    public TokenGridSampler(PixelSize target, ImageGeometry geometry, int tokenCellSize, TokenGridMap map, double[] normalized)
    {
        TokenGridMapChecks.RequireFits(map, geometry, tokenCellSize);
        _values = normalized;
        _gridWidth = map.Width;
        double scaleX = (double)geometry.Original.Width / target.Width, scaleY = (double)geometry.Original.Height / target.Height;
        _columns = AxisSamples.Compute(target.Width, map.Width, tokenCellSize,
            i => geometry.MapToModelInput(new ImagePoint((i + 0.5) * scaleX, 0)).X);
        _rows = AxisSamples.Compute(target.Height, map.Height, tokenCellSize,
            i => geometry.MapToModelInput(new ImagePoint(0, (i + 0.5) * scaleY)).Y);
    }

    public bool RowSeen(int y) => _rows.Seen[y];

    /// <summary>The interpolated value at pixel (x, y), or false where the model did not see that pixel.</summary>
    public bool TrySample(int x, int y, out double value)
    {
        if (!_columns.Seen[x] || !_rows.Seen[y])
        {
            value = 0;
            return false;
        }
        int top = _rows.Lower[y] * _gridWidth, bottom = _rows.Upper[y] * _gridWidth;
        int left = _columns.Lower[x], right = _columns.Upper[x];
        double fx = _columns.UpperWeight[x], fy = _rows.UpperWeight[y];
        double upper = _values[top + left] + fx * (_values[top + right] - _values[top + left]);
        double lower = _values[bottom + left] + fx * (_values[bottom + right] - _values[bottom + left]);
        value = upper + fy * (lower - upper);
        return true;
    }

    /// <summary>For each pixel along one axis: whether the model saw it, and the two grid cells and weight to interpolate.</summary>
    private sealed record AxisSamples(bool[] Seen, int[] Lower, int[] Upper, double[] UpperWeight)
    {
        public static AxisSamples Compute(int pixels, int cells, int cellSize, Func<int, double> modelCoordinate)
        {
            var samples = new AxisSamples(new bool[pixels], new int[pixels], new int[pixels], new double[pixels]);
            for (int i = 0; i < pixels; i++)
            {
                double model = modelCoordinate(i);
                if (model < 0 || model >= cells * cellSize) continue;
                double grid = Math.Clamp(model / cellSize - 0.5, 0, cells - 1);
                int lower = (int)grid;
                samples.Seen[i] = true;
                samples.Lower[i] = lower;
                samples.Upper[i] = Math.Min(lower + 1, cells - 1);
                samples.UpperWeight[i] = grid - lower;
            }
            return samples;
        }
    }
}
