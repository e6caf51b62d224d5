package inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import com.google.protobuf.TextFormat;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

/**
 * Pins the field numbers the gateway and the stand-in rely on: each message is serialized
 * and its bytes compared with a hand-assembled encoding (tag = field number << 3 | wire type).
 * A renumbered field in the .proto files breaks these tests, not a deployment.
 */
class WireFormatTest {

    private static final int VARINT = 0;
    private static final int LEN = 2;

    @Test
    void modelInferRequestTopLevelFieldsUseTritonNumbers() {
        byte[] actual = GrpcService.ModelInferRequest.newBuilder()
                .setModelName("m")
                .setModelVersion("1")
                .setId("r")
                .addRawInputContents(ByteString.copyFrom(new byte[] {7}))
                .build().toByteArray();

        byte[] expected = concat(
                field(1, LEN, bytes("m")),
                field(2, LEN, bytes("1")),
                field(3, LEN, bytes("r")),
                field(7, LEN, new byte[] {7}));
        assertArrayEquals(expected, actual);
    }

    @Test
    void inputTensorAndParametersUseTritonNumbers() {
        byte[] actual = GrpcService.ModelInferRequest.newBuilder()
                .putParameters("k", GrpcService.InferParameter.newBuilder().setBoolParam(true).build())
                .addInputs(GrpcService.ModelInferRequest.InferInputTensor.newBuilder()
                        .setName("x").setDatatype("BOOL").addShape(1))
                .addOutputs(GrpcService.ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("y"))
                .build().toByteArray();

        // map entry: key = 1, value = 2; InferParameter.bool_param = 1
        byte[] boolParam = field(1, VARINT, new byte[] {1});
        byte[] entry = concat(field(1, LEN, bytes("k")), field(2, LEN, boolParam));
        // shape is packed repeated int64 (field 3)
        byte[] tensor = concat(field(1, LEN, bytes("x")), field(2, LEN, bytes("BOOL")), field(3, LEN, new byte[] {1}));
        byte[] expected = concat(
                field(4, LEN, entry),
                field(5, LEN, tensor),
                field(6, LEN, field(1, LEN, bytes("y"))));
        assertArrayEquals(expected, actual);
    }

    @Test
    void streamResponseCarriesErrorAndInferResponseAtTritonNumbers() {
        GrpcService.ModelInferResponse inner = GrpcService.ModelInferResponse.newBuilder()
                .setModelName("m")
                .setId("r")
                .putParameters("triton_final_response", GrpcService.InferParameter.newBuilder().setBoolParam(true).build())
                .addOutputs(GrpcService.ModelInferResponse.InferOutputTensor.newBuilder().setName("o"))
                .addRawOutputContents(ByteString.copyFrom(new byte[] {9}))
                .build();
        byte[] actual = GrpcService.ModelStreamInferResponse.newBuilder()
                .setErrorMessage("e")
                .setInferResponse(inner)
                .build().toByteArray();

        byte[] entry = concat(field(1, LEN, bytes("triton_final_response")), field(2, LEN, field(1, VARINT, new byte[] {1})));
        byte[] innerBytes = concat(
                field(1, LEN, bytes("m")),
                field(3, LEN, bytes("r")),
                field(4, LEN, entry),
                field(5, LEN, field(1, LEN, bytes("o"))),
                field(6, LEN, new byte[] {9}));
        byte[] expected = concat(field(1, LEN, bytes("e")), field(2, LEN, innerBytes));
        assertArrayEquals(expected, actual);
    }

    @Test
    void inferParameterAndTensorContentsChoicesUseTritonNumbers() {
        assertEquals(2 << 3 | VARINT, GrpcService.InferParameter.newBuilder().setInt64Param(1).build().toByteArray()[0]);
        assertEquals(3 << 3 | LEN, GrpcService.InferParameter.newBuilder().setStringParam("s").build().toByteArray()[0]);
        assertEquals(4 << 3 | 1, GrpcService.InferParameter.newBuilder().setDoubleParam(1).build().toByteArray()[0]);
        assertEquals(5 << 3 | VARINT, GrpcService.InferParameter.newBuilder().setUint64Param(1).build().toByteArray()[0]);

        assertEquals(1 << 3 | LEN, GrpcService.InferTensorContents.newBuilder().addBoolContents(true).build().toByteArray()[0]);
        assertEquals(2 << 3 | LEN, GrpcService.InferTensorContents.newBuilder().addIntContents(1).build().toByteArray()[0]);
        assertEquals(3 << 3 | LEN, GrpcService.InferTensorContents.newBuilder().addInt64Contents(1).build().toByteArray()[0]);
        assertEquals(4 << 3 | LEN, GrpcService.InferTensorContents.newBuilder().addUintContents(1).build().toByteArray()[0]);
        assertEquals(5 << 3 | LEN, GrpcService.InferTensorContents.newBuilder().addUint64Contents(1).build().toByteArray()[0]);
        assertEquals(6 << 3 | LEN, GrpcService.InferTensorContents.newBuilder().addFp32Contents(1).build().toByteArray()[0]);
        assertEquals(7 << 3 | LEN, GrpcService.InferTensorContents.newBuilder().addFp64Contents(1).build().toByteArray()[0]);
        assertEquals(8 << 3 | LEN, GrpcService.InferTensorContents.newBuilder().addBytesContents(ByteString.EMPTY).build().toByteArray()[0]);
    }

    @Test
    void metadataAndConfigMessagesUseTritonNumbers() {
        byte[] metadata = GrpcService.ModelMetadataResponse.newBuilder()
                .setPlatform("p")
                .addOutputs(GrpcService.ModelMetadataResponse.TensorMetadata.newBuilder().setDatatype("d"))
                .build().toByteArray();
        assertArrayEquals(concat(field(3, LEN, bytes("p")), field(5, LEN, field(2, LEN, bytes("d")))), metadata);

        byte[] config = ModelConfigOuterClass.ModelConfig.newBuilder()
                .setBackend("b")
                .setModelTransactionPolicy(ModelConfigOuterClass.ModelTransactionPolicy.newBuilder().setDecoupled(true))
                .build().toByteArray();
        // backend = 17, model_transaction_policy = 19: two-byte tags
        assertArrayEquals(concat(tag(17, LEN), new byte[] {1}, bytes("b"), tag(19, LEN), new byte[] {2, 8, 1}), config);
    }

    @Test
    void textFormatReadsConfigPbtxtSyntax() throws Exception {
        String pbtxt = """
                name: "ensemble"
                platform: "ensemble"
                max_batch_size: 64
                input [ { name: "text_input" data_type: TYPE_STRING dims: [ 1 ] optional: false } ]
                output [ { name: "text_output" data_type: TYPE_STRING dims: [ -1 ] } ]
                instance_group [ { count: 1 kind: KIND_MODEL } ]
                model_transaction_policy { decoupled: true }
                parameters: { key: "k" value: { string_value: "v" } }
                ensemble_scheduling { step [ { model_name: "a" model_version: -1
                  input_map { key: "x" value: "text_input" } output_map { key: "y" value: "text_output" } } ] }
                """;
        ModelConfigOuterClass.ModelConfig.Builder builder = ModelConfigOuterClass.ModelConfig.newBuilder();
        TextFormat.merge(pbtxt, builder);
        ModelConfigOuterClass.ModelConfig config = builder.build();
        assertEquals(ModelConfigOuterClass.DataType.TYPE_STRING, config.getInput(0).getDataType());
        assertEquals(13, ModelConfigOuterClass.DataType.TYPE_STRING.getNumber());
        assertEquals(3, ModelConfigOuterClass.ModelInstanceGroup.Kind.KIND_MODEL.getNumber());
        assertEquals("a", config.getEnsembleScheduling().getStep(0).getModelName());
        assertEquals(true, config.getModelTransactionPolicy().getDecoupled());
    }

    private static byte[] tag(int number, int wireType) {
        return varint(number << 3 | wireType);
    }

    private static byte[] field(int number, int wireType, byte[] payload) {
        if (wireType == VARINT) {
            return concat(tag(number, wireType), payload);
        }
        return concat(tag(number, wireType), varint(payload.length), payload);
    }

    private static byte[] varint(int value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while ((value & ~0x7F) != 0) {
            out.write((value & 0x7F) | 0x80);
            value >>>= 7;
        }
        out.write(value);
        return out.toByteArray();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
