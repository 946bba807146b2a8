using Glimpse.Core.Evaluation;
using Glimpse.Model;
using Glimpse.Model.Architectures;
using TorchSharp;
using static TorchSharp.torch;

namespace Glimpse.Explain.Evaluation;

/// <summary>
/// Faithfulness of explanations of one answer, by perturbing the model input along an ordering of its image-token
/// cells and watching the fixed answer's likelihood (<see cref="AnswerLikelihood"/>):
/// <list type="bullet">
/// <item><b>Deletion</b>: the top k cells' pixels are replaced by the substrate, 0 in the processor's normalised space,
/// which is the processor's mean colour (for CLIP statistics a neutral grey, and the colour LLaVA pads with). A faithful
/// map makes the score fall fast: lower area is better.</item>
/// <item><b>Insertion</b>: from the input blurred (Gaussian, σ = <see cref="FaithfulnessOptions.BlurSigmaCells"/> token
/// cells, edges replicated), the top k cells are restored. A faithful map makes the score rise fast: higher area is better.</item>
/// </list>
/// Cells are ranked by the map from high to low, ties in random (seeded) order; k runs over the schedule
/// round(j · K / Steps), j = 0 … Steps, so every curve has Steps + 1 points from 0 to all K cells. Deletion starts at
/// the unperturbed score and ends at the all-substrate image; insertion starts at the blurred image and ends
/// unperturbed. The perturbations change token cells only. The random control is the same measurement along a seeded
/// random ordering. The cells are those of the prompt's single token grid (<see cref="ModelInputPlanes.SingleGrid"/>;
/// a tiled layout is not supported yet); an image token with no cell (LLaVA's CLS) has no pixels to change, so it is
/// left out of every ordering and K counts cells, not image tokens. Every perturbed image is scored once per item: curves that share an image (the ends, and the same
/// top-k set under different maps) share its score, and images are scored in batches.
/// </summary>
public sealed class Faithfulness : IDisposable
{
    private readonly AnswerLikelihood _likelihood;
    private readonly ModelInputPlanes _layout;
    private readonly FaithfulnessOptions _options;
    private readonly Tensor _original, _blurred;            // [3, H, W]
    private readonly int _gridHeight, _gridWidth, _cellSize;
    private readonly int[] _cellTokens;                     // the image token that fills each cell, row-major
    private readonly int[] _tieBreak, _randomOrder;
    private readonly Dictionary<string, double> _scores = [];

    public Faithfulness(VisionLanguageModel model, PreparedPrompt prompt, Answer answer, FaithfulnessOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(answer);
        _options = options ?? new FaithfulnessOptions();
        _options.Validate();
        _likelihood = new AnswerLikelihood(model, answer.FullIds, answer.QueryPositions.Select(p => (long)p).ToArray(), answer.Generation.NewTokens);
        _layout = new ModelInputPlanes(prompt.Image);
        var grid = ModelInputPlanes.SingleGrid(prompt.ImageTokens);
        (_gridHeight, _gridWidth, _cellSize, _cellTokens) = (grid.Rows, grid.Columns, grid.CellSize, grid.Tokens);
        ImageTokenCount = prompt.ImageTokens.TokenCount;
        var random = new Random(_options.Seed);
        _tieBreak = Permutation(CellCount, random);
        _randomOrder = Permutation(CellCount, random);
        using var scope = NewDisposeScope();
        _original = _layout.Planes().DetachFromDisposeScope();
        var allCells = CellMask([Enumerable.Repeat(true, CellCount).ToArray()])[0];
        _blurred = (_original * (1 - allCells) + Blur(_original, _options.BlurSigmaCells * _cellSize) * allCells).DetachFromDisposeScope();
    }

    /// <summary>K, the number of image-token cells.</summary>
    public int CellCount => _gridHeight * _gridWidth;

    /// <summary>The number of image tokens a map has values for (cells plus tokens with no cell).</summary>
    public int ImageTokenCount { get; }

    /// <summary>k_j for j = 0 … Steps.</summary>
    public int[] Schedule => Enumerable.Range(0, _options.Steps + 1)
        .Select(j => (int)Math.Round((double)j * CellCount / _options.Steps, MidpointRounding.AwayFromZero)).ToArray();

    /// <summary>The curves along the ordering of a map over the image tokens (one value per image token, in sequence
    /// order); each cell ranks by its token's value, tokens with no cell are left out.</summary>
    public FaithfulnessCurves Measure(double[] tokenMap)
    {
        ArgumentNullException.ThrowIfNull(tokenMap);
        if (tokenMap.Length != ImageTokenCount) throw new ArgumentException($"the map has {tokenMap.Length} values for {ImageTokenCount} image tokens", nameof(tokenMap));
        if (tokenMap.Any(v => !double.IsFinite(v))) throw new ArgumentException("the map holds a non-finite value", nameof(tokenMap));
        int[] order = Enumerable.Range(0, CellCount).OrderByDescending(i => tokenMap[_cellTokens[i]]).ThenBy(i => _tieBreak[i]).ToArray();
        return Measure(order);
    }

    /// <summary>The random control: the curves along a seeded random ordering.</summary>
    public FaithfulnessCurves RandomControl() => Measure(_randomOrder);

    /// <summary>The curves along an explicit ordering of the cells (a permutation of 0 … K−1, most relevant first).</summary>
    public FaithfulnessCurves Measure(int[] order)
    {
        ArgumentNullException.ThrowIfNull(order);
        if (order.Length != CellCount || order.Distinct().Count() != CellCount || order.Any(i => i < 0 || i >= CellCount))
            throw new ArgumentException($"an ordering must be a permutation of the {CellCount} token cells", nameof(order));
        int[] schedule = Schedule;
        var sets = schedule.Select(k =>
        {
            var cells = new bool[CellCount];
            foreach (int i in order.Take(k)) cells[i] = true;
            return cells;
        }).ToArray();
        var requests = sets.Select(s => (Kind: PerturbationKind.Deletion, Cells: s))
            .Concat(sets.Select(s => (Kind: PerturbationKind.Insertion, Cells: s))).ToList();
        Resolve(requests);
        double[] fractions = schedule.Select(k => (double)k / CellCount).ToArray();
        return new FaithfulnessCurves(
            new PerturbationCurve(fractions, sets.Select(s => _scores[Key(PerturbationKind.Deletion, s)]).ToArray()),
            new PerturbationCurve(fractions, sets.Select(s => _scores[Key(PerturbationKind.Insertion, s)]).ToArray()));
    }

    private enum PerturbationKind { Deletion, Insertion }

    /// <summary>Scores every requested image not scored yet, in batches.</summary>
    private void Resolve(IEnumerable<(PerturbationKind Kind, bool[] Cells)> requests)
    {
        var missing = requests.DistinctBy(r => Key(r.Kind, r.Cells)).Where(r => !_scores.ContainsKey(Key(r.Kind, r.Cells))).ToList();
        foreach (var batch in missing.Chunk(_options.BatchSize))
        {
            using var scope = NewDisposeScope();
            var mask = CellMask(batch.Select(r => r.Cells).ToArray());                          // [B, 1, H, W]
            var deletion = torch.tensor(batch.Select(r => r.Kind == PerturbationKind.Deletion ? 1f : 0f).ToArray()).view(-1, 1, 1, 1);
            // Deletion: the original with the chosen cells at the substrate (0). Insertion: the blurred input with them restored.
            var kept = _original * (1 - mask);
            var images = deletion * kept + (1 - deletion) * (_blurred * (1 - mask) + _original * mask);
            var inputs = Enumerable.Range(0, batch.Length).Select(b => _layout.Pack(images[b])).ToList();
            double[] scores = _likelihood.Score(inputs);
            for (int b = 0; b < batch.Length; b++) _scores[Key(batch[b].Kind, batch[b].Cells)] = scores[b];
        }
    }

    /// <summary>[B, 1, H, W]: 1 on the pixels of the chosen token cells, 0 elsewhere.</summary>
    private Tensor CellMask(bool[][] cells)
    {
        using var scope = NewDisposeScope();
        var flags = torch.tensor(cells.SelectMany(c => c.Select(on => on ? 1f : 0f)).ToArray(), [cells.Length, _gridHeight, _gridWidth]);
        var pixels = flags.repeat_interleave(_cellSize, 1).repeat_interleave(_cellSize, 2);      // [B, gh·s, gw·s]
        var mask = torch.nn.functional.pad(pixels, [0, _layout.Width - _gridWidth * _cellSize, 0, _layout.Height - _gridHeight * _cellSize]);
        return mask.unsqueeze(1).MoveToOuterDisposeScope();
    }

    /// <summary>A separable Gaussian blur of planes [3, H, W], truncated at 3σ, edges replicated.</summary>
    private static Tensor Blur(Tensor planes, double sigma)
    {
        using var scope = NewDisposeScope();
        int radius = (int)Math.Ceiling(3 * sigma);
        var taps = Enumerable.Range(-radius, 2 * radius + 1).Select(x => Math.Exp(-x * x / (2 * sigma * sigma))).ToArray();
        double total = taps.Sum();
        var kernel = torch.tensor(taps.Select(t => (float)(t / total)).ToArray());
        var x = torch.nn.functional.pad(planes.unsqueeze(0), [radius, radius, radius, radius], PaddingModes.Replicate);
        x = torch.nn.functional.conv2d(x, kernel.view(1, 1, 1, -1).expand(3, 1, 1, -1).contiguous(), groups: 3);
        x = torch.nn.functional.conv2d(x, kernel.view(1, 1, -1, 1).expand(3, 1, -1, 1).contiguous(), groups: 3);
        return x[0].MoveToOuterDisposeScope();
    }

    /// <summary>Names the image a perturbation makes; the unperturbed input (nothing deleted, everything restored) has one name.</summary>
    private static string Key(PerturbationKind kind, bool[] cells) =>
        (kind == PerturbationKind.Deletion && !cells.Contains(true)) || (kind == PerturbationKind.Insertion && !cells.Contains(false))
            ? "original"
            : (kind == PerturbationKind.Deletion ? "d" : "i") + new string(cells.Select(c => c ? '1' : '0').ToArray());

    private static int[] Permutation(int count, Random random)
    {
        int[] order = Enumerable.Range(0, count).ToArray();
        random.Shuffle(order);
        return order;
    }

    public void Dispose()
    {
        _original.Dispose();
        _blurred.Dispose();
    }
}
