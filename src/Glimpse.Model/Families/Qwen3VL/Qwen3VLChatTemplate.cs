using Glimpse.Model.Families.Qwen2VL;
using Glimpse.Model.Text;

namespace Glimpse.Model.Families.Qwen3VL;

/// <summary>
/// Qwen3-VL's chat template for one user turn (image, then text) with the generation prompt. Unlike Qwen2-VL's it
/// inserts no default system message. <c>&lt;|image_pad|&gt;</c> is expanded to one token per merged patch; no BOS.
/// </summary>
/// <param name="imageTokenId">The config's image_token_id, checked against the tokenizer's "&lt;|image_pad|&gt;"; null to take the tokenizer's.</param>
public sealed class Qwen3VLChatTemplate(long? imageTokenId = null) : IChatTemplate
{
    public PromptLayout Build(TextTokenizer tokenizer, string question, int imageTokenCount) =>
        QuestionPrompt.Build(
            tokenizer,
            prefix: $"<|im_start|>user\n<|vision_start|>{Qwen2VLChatTemplate.ImagePlaceholder}<|vision_end|>",
            question,
            suffix: "<|im_end|>\n<|im_start|>assistant\n",
            Qwen2VLChatTemplate.ImagePlaceholder,
            imageTokenId,
            templateTokens: ["<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>"],
            imageTokenCount);
}
