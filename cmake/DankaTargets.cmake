# Common target settings: warnings, the torch precompiled header, Qt hygiene.

# Warnings for Danka's own code (torch and Qt headers are SYSTEM includes through their imported targets).
function(danka_configure_target target)
    target_compile_options(${target} PRIVATE
        $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wno-unused-parameter -Winvalid-pch>
        $<$<AND:$<COMPILE_LANGUAGE:CXX>,$<BOOL:${DANKA_WERROR}>>:-Werror>)
endfunction()

# Qt targets: no `signals`/`slots`/`emit` keywords (they clash with ATen), strict string conversions.
function(danka_configure_qt_target target)
    danka_configure_target(${target})
    target_compile_definitions(${target} PRIVATE QT_NO_KEYWORDS QT_NO_CAST_FROM_ASCII QT_NO_CAST_TO_ASCII
                                                 QT_NO_URL_CAST_FROM_STRING QT_USE_QSTRINGBUILDER)
endfunction()

# One precompiled <torch/torch.h> shared by every target that includes torch: parsing it costs ~20 s per
# translation unit on a small machine, the PCH brings that to about one second. Targets reuse it only when
# their compile flags match the owner's, so torch-using targets get exactly the same definitions.
add_library(danka_torch_pch OBJECT "${CMAKE_CURRENT_LIST_DIR}/torch_pch.cpp")
target_link_libraries(danka_torch_pch PRIVATE torch)
target_precompile_headers(danka_torch_pch PRIVATE "$<$<COMPILE_LANGUAGE:CXX>:<torch/torch.h$<ANGLE-R>>")

danka_configure_target(danka_torch_pch)

function(danka_use_torch_pch target)
    target_precompile_headers(${target} REUSE_FROM danka_torch_pch)
endfunction()
