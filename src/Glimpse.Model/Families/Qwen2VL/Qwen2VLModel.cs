using Glimpse.Model.Architectures;
using Glimpse.Model.Configuration;
using Glimpse.Model.Modules;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Glimpse.Model.Families.Qwen2VL;

/// <summary>
/// Qwen2-VL: a vision transformer over pre-cut patch rows with 2-D rotary positions, a merger that folds each 2×2
/// block of patches into one LLM token, and a Qwen2 decoder with multimodal rotary positions (t, h, w).
/// </summary>
public sealed class Qwen2VLModel : VisionLanguageModel
{
    private readonly Qwen2VisionTransformer _visual;
    private readonly Qwen2VLConfig _config;

    public Qwen2VLModel(Qwen2VLConfig config) : base(nameof(Qwen2VLModel), config)
    {
        _config = config;
        _visual = new Qwen2VisionTransformer(config.Vision);
        register_module("visual", _visual);
        RegisterLanguageModel();
    }

    public Qwen2VisionTransformer Visual => _visual;

    public override Tensor EncodeImage(ImageInput image)
    {
        var grid = image.GridThw ?? throw new ArgumentException("Qwen2-VL needs the image's (t, h, w) patch grid.");
        return _visual.Forward(image.PixelValues.to(DType, Device), grid);
    }

    /// <summary>
    /// Multimodal rotary positions (transformers' <c>get_rope_index</c>): text tokens count up on all three axes;
    /// the tokens of an image share t = s and take h = s + row, w = s + column on the merged grid, where s is the
    /// next text index; text after the image resumes at max + 1.
    /// </summary>
    public override (Tensor Positions, long Delta) PositionIds(long[] ids, ImageInput? image)
    {
        long merge = _config.Vision.SpatialMergeSize;
        var t = new long[ids.Length];
        var h = new long[ids.Length];
        var w = new long[ids.Length];
        long next = 0;
        for (int i = 0; i < ids.Length;)
        {
            if (ids[i] != _config.ImageTokenId)
            {
                t[i] = h[i] = w[i] = next++;
                i++;
                continue;
            }
            var grid = image?.GridThw ?? throw new ArgumentException("The prompt has image tokens but no image grid was given.");
            long gridT = grid[0], gridH = grid[1] / merge, gridW = grid[2] / merge;
            long count = gridT * gridH * gridW;
            if (i + count > ids.Length || ids.Skip(i).Take((int)count).Any(id => id != _config.ImageTokenId))
                throw new ArgumentException($"Expected {count} consecutive image tokens at position {i} for grid [{string.Join(", ", grid)}].");
            for (long k = 0; k < count; k++, i++)
            {
                t[i] = next + k / (gridH * gridW);
                h[i] = next + k / gridW % gridH;
                w[i] = next + k % gridW;
            }
            next = Math.Max(t[i - 1], Math.Max(h[i - 1], w[i - 1])) + 1;
        }
        var positions = torch.tensor(t.Concat(h).Concat(w).ToArray(), device: Device).view(3, 1, ids.Length);
        return (positions, next - ids.Length);
    }
}

/// <summary>The Qwen2-VL vision tower (<c>visual</c>).</summary>
public sealed class Qwen2VisionTransformer : CheckpointModule
{
    private readonly Qwen2VisionConfig _c;
    private readonly PatchEmbed _patchEmbed;
    private readonly ModuleList<VisionBlock> _blocks;
    private readonly PatchMerger _merger;
    private readonly double[] _rotaryInvFreq;

    public Qwen2VisionTransformer(Qwen2VisionConfig c) : base(nameof(Qwen2VisionTransformer))
    {
        _c = c;
        _patchEmbed = new PatchEmbed(c);
        _blocks = nn.ModuleList(Enumerable.Range(0, c.Depth).Select(_ => new VisionBlock(c)).ToArray());
        _merger = new PatchMerger(c);
        int rotaryDim = c.EmbedDim / c.NumHeads / 2;   // half of head_dim: h and w each take half of that
        _rotaryInvFreq = Enumerable.Range(0, rotaryDim / 2)
            .Select(i => (double)(float)(1.0 / Math.Pow(10000, 2.0 * i / rotaryDim))).ToArray();
        register_module("patch_embed", _patchEmbed);
        register_module("blocks", _blocks);
        register_module("merger", _merger);
    }

    /// <param name="pixels">[Np, C·T·P·P] patch rows in the processor's merge-block order</param>
    /// <param name="gridThw">(t, h, w) in patches</param>
    /// <param name="blockOutputs">when given, receives the patch embedding and each block's output</param>
    /// <returns>[Np / merge², D_text]</returns>
    public Tensor Forward(Tensor pixels, long[] gridThw, List<Tensor>? blockOutputs = null)
    {
        using var scope = NewDisposeScope();
        long patches = gridThw[0] * gridThw[1] * gridThw[2];
        long rowWidth = (long)_c.InChannels * _c.TemporalPatchSize * _c.PatchSize * _c.PatchSize;
        if (pixels.dim() != 2 || pixels.shape[0] != patches || pixels.shape[1] != rowWidth)
            throw new ArgumentException($"Qwen2-VL expects pixel_values [{patches}, {rowWidth}] for grid [{string.Join(", ", gridThw)}], got [{string.Join(", ", pixels.shape)}].");
        if (gridThw[1] % _c.SpatialMergeSize != 0 || gridThw[2] % _c.SpatialMergeSize != 0)
            throw new ArgumentException($"The patch grid [{string.Join(", ", gridThw)}] is not a multiple of the merge size {_c.SpatialMergeSize}.");

        var x = _patchEmbed.Forward(pixels);                                                  // [Np, C]
        blockOutputs?.Add(x.alias().DetachFromDisposeScope());
        var angles = RotaryAngles(gridThw, pixels.device);                                    // [Np, hd/2]
        var emb = torch.cat([angles, angles], -1);                                             // [Np, hd]
        var (cos, sin) = (emb.cos(), emb.sin());
        foreach (var block in _blocks)
        {
            x = block.Forward(x, cos, sin, framePatches: gridThw[1] * gridThw[2]);
            blockOutputs?.Add(x.alias().DetachFromDisposeScope());
        }
        return _merger.Forward(x).MoveToOuterDisposeScope();
    }

    /// <summary>2-D rotary angles per patch row: the h-angles, then the w-angles ([Np, head_dim/2], float32).</summary>
    public Tensor RotaryAngles(long[] gridThw, Device device)
    {
        using var scope = NewDisposeScope();
        long t = gridThw[0], hh = gridThw[1], ww = gridThw[2], m = _c.SpatialMergeSize;
        // Coordinates in the processor's row order: (h/m, w/m, h%m, w%m) within each frame.
        var hpos = torch.arange(hh, device: device).view(-1, 1).expand(hh, ww)
            .reshape(hh / m, m, ww / m, m).permute(0, 2, 1, 3).flatten();
        var wpos = torch.arange(ww, device: device).view(1, -1).expand(hh, ww)
            .reshape(hh / m, m, ww / m, m).permute(0, 2, 1, 3).flatten();
        var invFreq = torch.tensor(_rotaryInvFreq.Select(f => (float)f).ToArray(), device: device);
        var angles = torch.cat([hpos.to(float32).unsqueeze(-1) * invFreq, wpos.to(float32).unsqueeze(-1) * invFreq], -1);
        return angles.repeat(t, 1).MoveToOuterDisposeScope();
    }

    /// <summary>The Conv3d patch embedding (kernel = stride = (T, P, P), no bias). Each row is one whole kernel
    /// window, so the convolution is a matrix product with the flattened kernel.</summary>
    private sealed class PatchEmbed : CheckpointModule
    {
        private readonly Conv3d _proj;

        public PatchEmbed(Qwen2VisionConfig c) : base(nameof(PatchEmbed))
        {
            _proj = nn.Conv3d(c.InChannels, c.EmbedDim, (c.TemporalPatchSize, c.PatchSize, c.PatchSize),
                stride: (c.TemporalPatchSize, c.PatchSize, c.PatchSize), bias: false);
            register_module("proj", _proj);
        }

        public Tensor Forward(Tensor rows)
        {
            using var scope = NewDisposeScope();
            var kernel = _proj.weight!.flatten(1);                                             // [C, C_in·T·P·P]
            return rows.matmul(kernel.T).MoveToOuterDisposeScope();
        }
    }

    private sealed class VisionBlock : CheckpointModule
    {
        private readonly LayerNorm _norm1, _norm2;
        private readonly VisionAttention _attention;
        private readonly VisionMlp _mlp;

        public VisionBlock(Qwen2VisionConfig c) : base(nameof(VisionBlock))
        {
            _norm1 = nn.LayerNorm(c.EmbedDim, c.LayerNormEps);
            _norm2 = nn.LayerNorm(c.EmbedDim, c.LayerNormEps);
            _attention = new VisionAttention(c.EmbedDim, c.NumHeads);
            _mlp = new VisionMlp(c.EmbedDim, (int)(c.EmbedDim * c.MlpRatio), c.HiddenAct);
            register_module("norm1", _norm1);
            register_module("norm2", _norm2);
            register_module("attn", _attention);
            register_module("mlp", _mlp);
        }

        public Tensor Forward(Tensor x, Tensor cos, Tensor sin, long framePatches)
        {
            using var scope = NewDisposeScope();
            x = x + _attention.Forward(_norm1.forward(x), cos, sin, framePatches);
            x = x + _mlp.Forward(_norm2.forward(x));
            return x.MoveToOuterDisposeScope();
        }
    }

    private sealed class VisionAttention : CheckpointModule
    {
        private readonly Linear _qkv, _proj;
        private readonly int _heads;

        public VisionAttention(int dim, int heads) : base(nameof(VisionAttention))
        {
            _heads = heads;
            _qkv = nn.Linear(dim, 3 * dim);
            _proj = nn.Linear(dim, dim);
            register_module("qkv", _qkv);
            register_module("proj", _proj);
        }

        /// <param name="x">[Np, C]</param>
        /// <param name="cos">[Np, hd] (float32)</param>
        /// <param name="framePatches">patches per frame: attention stays within a frame (block-diagonal)</param>
        public Tensor Forward(Tensor x, Tensor cos, Tensor sin, long framePatches)
        {
            using var scope = NewDisposeScope();
            long n = x.shape[0], c = x.shape[1], d = c / _heads;
            var qkv = _qkv.forward(x).view(n, 3, _heads, d).permute(1, 2, 0, 3);             // [3, H, Np, d]
            // Rotary in float32, then back to the model dtype (as apply_rotary_pos_emb_vision does).
            var q = RotaryEmbedding.Apply(qkv[0].to(float32), cos, sin).to(x.dtype);
            var k = RotaryEmbedding.Apply(qkv[1].to(float32), cos, sin).to(x.dtype);
            var v = qkv[2];
            long frames = n / framePatches;
            // Frames attend only to themselves: fold them into the batch dimension.
            Tensor Frames(Tensor t) => t.view(_heads, frames, framePatches, d).transpose(0, 1);   // [F, H, n_f, d]
            var attended = AttentionKernel.Attend(Frames(q), Frames(k), Frames(v), causal: false, recorder: null);
            var merged = attended.transpose(0, 1).reshape(_heads, n, d).transpose(0, 1).reshape(n, c);
            return _proj.forward(merged).MoveToOuterDisposeScope();
        }
    }

    /// <summary>ln_q → fold each 2×2 block (4 consecutive rows) → Linear → GELU → Linear to the text width.</summary>
    private sealed class PatchMerger : CheckpointModule
    {
        private readonly LayerNorm _lnQ;
        private readonly Sequential _mlp;
        private readonly int _foldedWidth;

        public PatchMerger(Qwen2VisionConfig c) : base(nameof(PatchMerger))
        {
            _foldedWidth = c.EmbedDim * c.SpatialMergeSize * c.SpatialMergeSize;
            _lnQ = nn.LayerNorm(c.EmbedDim, c.LayerNormEps);
            _mlp = nn.Sequential(
                ("0", nn.Linear(_foldedWidth, _foldedWidth)),
                ("1", nn.GELU()),
                ("2", nn.Linear(_foldedWidth, c.OutputHiddenSize)));
            register_module("ln_q", _lnQ);
            register_module("mlp", _mlp);
        }

        public Tensor Forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            return _mlp.forward(_lnQ.forward(x).view(-1, _foldedWidth)).MoveToOuterDisposeScope();
        }
    }
}
