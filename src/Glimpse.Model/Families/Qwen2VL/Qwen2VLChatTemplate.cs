using Glimpse.Model.Text;

namespace Glimpse.Model.Families.Qwen2VL;

/// <summary>
/// Qwen2-VL's chat template for one user turn (image, then text) with the generation prompt and the default system
/// message, which the template inserts when the conversation has none. <c>&lt;|image_pad|&gt;</c> is expanded to
/// one token per merged patch (grid_t·grid_h·grid_w / merge_size²). Qwen2 adds no BOS.
/// </summary>
/// <param name="imageTokenId">The config's image_token_id, checked against the tokenizer's "&lt;|image_pad|&gt;"; null to take the tokenizer's.</param>
public sealed class Qwen2VLChatTemplate(long? imageTokenId = null) : IChatTemplate
{
    public const string ImagePlaceholder = "<|image_pad|>";

    public PromptLayout Build(TextTokenizer tokenizer, string question, int imageTokenCount) =>
        QuestionPrompt.Build(
            tokenizer,
            prefix: "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n" +
                    $"<|im_start|>user\n<|vision_start|>{ImagePlaceholder}<|vision_end|>",
            question,
            suffix: "<|im_end|>\n<|im_start|>assistant\n",
            ImagePlaceholder,
            imageTokenId,
            templateTokens: ["<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>"],
            imageTokenCount);
}
